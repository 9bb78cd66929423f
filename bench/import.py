"""A bulk import of a million customers with opening balances (`tessera import customers`,
as a user runs it) next to a bare COPY of the same file into a plain table of text
columns, in the same run on the same fresh database.

    .venv/bin/python bench/import.py [--customers 1000000] [--purchases N]

The file has every column of docs/imports.md's customers format: an email, a phone for one
row in two, names, a locale and time zone, a birth date for one in three, consents, and
points for nine rows in ten (expiring on a date for half of them). The import checks every
row by the API's rules, stages it by COPY, loads it set-based and must leave every invariant
of `tessera audit` holding (checked at the end). The last line printed is one JSON object
with the figures (see bench/README.md); the exit status is 1 when the audit finds a
violation or a customer is missing.

With --purchases N, a purchases file of N order lines (orders of 1 to 5 lines, 3 on average,
over the customers) is then imported earning (`tessera import purchases FILE --earn`), next
to a bare COPY of it, and run again; the JSON line gains `purchases` with its figures."""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from domain.audit import audit
from harness import cli, run_on_fresh_database
from tessera.database import asyncpg_dsn, create_engine

HEADER = (
    "external_ref,email,phone,first_name,last_name,locale,time_zone,birth_date,"
    "consent_email,consent_sms,points,points_expire_on"
)
PURCHASES_HEADER = (
    "order_id,customer_ref,occurred_at,status,shop,channel,sku,quantity,unit_price,"
    "product_line,discounted"
)
_LOCALES = (("it-IT", "Europe/Rome", "+39 340 {:07d}"), ("fr-FR", "Europe/Paris", "+33 6 {:08d}"))


def write_file(path: Path, customers: int) -> None:
    """The bench's customers file (deterministic)."""
    expiry = date.today() + timedelta(days=400)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        f.write(HEADER + "\n")
        for i in range(1, customers + 1):
            locale, zone, phone = _LOCALES[i % 2]
            writer.writerow(
                (
                    f"SHOP-{i:07d}",
                    f"customer.{i}@example.com",
                    phone.format(1_000_000 + i) if i % 2 else "",
                    f"First{i % 997}",
                    f"Last{i % 7919}",
                    locale,
                    zone,
                    (date(1950, 1, 1) + timedelta(days=i % 20_000)).isoformat()
                    if i % 3 == 0
                    else "",
                    "true" if i % 4 else "false",
                    "true" if i % 5 == 0 else "false",
                    (i * 37) % 5000 if i % 10 else 0,
                    expiry.isoformat() if i % 10 and i % 2 else "",
                )
            )


def write_purchases(path: Path, lines: int, customers: int) -> int:
    """The bench's purchases file (deterministic): `lines` order lines, in orders of 1 to 5
    lines over the customers, made in 2024; its number of orders."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    written = order = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        f.write(PURCHASES_HEADER + "\n")
        while written < lines:
            order += 1
            customer = f"SHOP-{(order * 7919) % customers + 1:07d}"
            made = (start + timedelta(minutes=(order * 17) % 525_600)).isoformat()
            channel = ("POS", "WEB")[order % 2]
            for n in range(min(1 + (order * 3) % 5, lines - written)):
                price = (order * 13 + n * 701) % 9_000 + 99
                writer.writerow(
                    (
                        f"ORD-{order:08d}",
                        customer,
                        made,
                        "COMPLETED",
                        "",
                        channel,
                        f"SKU-{(order * 31 + n) % 2_000:04d}",
                        1 + (order + n) % 3,
                        f"{price // 100}.{price % 100:02d}",
                        f"line-{n % 7}",
                        "true" if (order + n) % 10 == 0 else "false",
                    )
                )
                written += 1
    return order


async def bare_copy(database_url: str, path: Path, header: str = HEADER) -> float:
    """Seconds to COPY the file into a plain table of text columns (no checks, no index)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        columns = ", ".join(f"{name} text" for name in header.split(","))
        await conn.execute(f"CREATE TABLE bare_copy ({columns})")
        t0 = time.perf_counter()
        await conn.copy_to_table("bare_copy", source=path, format="csv", header=True)
        elapsed = time.perf_counter() - t0
        await conn.execute("DROP TABLE bare_copy")
        return elapsed
    finally:
        await conn.close()


async def counts(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        row = await conn.fetchrow(
            """SELECT (SELECT count(*) FROM customers) AS customers,
                      (SELECT count(*) FROM ledger_entries WHERE kind = 'OPENING') AS openings,
                      (SELECT COALESCE(sum(balance), 0) FROM point_accounts) AS points"""
        )
        assert row is not None
        return {k: int(v) for k, v in row.items()}
    finally:
        await conn.close()


async def phases(database_url: str) -> dict[str, float]:
    """The customers import's phases, from its job's times: checking (from the job's
    start to loading) and loading (to the end)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        row = await conn.fetchrow(
            """SELECT extract(epoch FROM phase_started_at - started_at) AS checking_s,
                      extract(epoch FROM finished_at - phase_started_at) AS loading_s
                 FROM import_jobs WHERE kind = 'CUSTOMERS' ORDER BY id LIMIT 1"""
        )
        assert row is not None
        return {k: round(float(v), 1) for k, v in row.items()}
    finally:
        await conn.close()


async def violations(database_url: str) -> int:
    engine = create_engine(database_url, pool_size=1)
    try:
        return len(await audit(engine))
    finally:
        await engine.dispose()


def run_import(database_url: str, path: Path, *kind: str) -> float:
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url}
    t0 = time.perf_counter()
    subprocess.run(cli("import", *(kind or ("customers",)), str(path)), env=env, check=True)
    return time.perf_counter() - t0


async def bench_purchases(database_url: str, path: Path, lines: int, orders: int) -> dict[str, Any]:
    """The purchases file imported earning, next to its bare COPY, and run again."""
    copy_s = await bare_copy(database_url, path, PURCHASES_HEADER)
    import_s = await asyncio.to_thread(run_import, database_url, path, "purchases", "--earn")
    print(f"tessera import purchases --earn: {import_s:.1f}s", file=sys.stderr)
    again_s = await asyncio.to_thread(run_import, database_url, path, "purchases", "--earn")
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        found = await conn.fetchrow(
            """SELECT (SELECT count(*) FROM purchases) AS purchases,
                      (SELECT count(*) FROM purchase_lines) AS lines,
                      (SELECT count(*) FROM ledger_entries WHERE kind = 'PURCHASE') AS earned"""
        )
        assert found is not None
    finally:
        await conn.close()
    return {
        "lines": lines,
        "orders": orders,
        "bare_copy_s": round(copy_s, 2),
        "import_s": round(import_s, 2),
        "ratio": round(import_s / copy_s, 1),
        "rerun_s": round(again_s, 2),
        "rows_per_s": round(lines / import_s),
        "purchases_found": int(found["purchases"]),
        "lines_found": int(found["lines"]),
        "earning_entries": int(found["earned"]),
    }


async def bench(
    database_url: str, path: Path, customers: int, purchases: tuple[Path, int, int] | None = None
) -> dict[str, Any]:
    copy_s = await bare_copy(database_url, path)
    print(f"bare COPY of the file: {copy_s:.1f}s", file=sys.stderr)
    import_s = await asyncio.to_thread(run_import, database_url, path)
    print(f"tessera import customers: {import_s:.1f}s", file=sys.stderr)
    split = await phases(database_url)
    print(f"checking {split['checking_s']}s, loading {split['loading_s']}s", file=sys.stderr)
    again_s = await asyncio.to_thread(run_import, database_url, path)
    bought: dict[str, Any] = {}
    if purchases is not None:  # (its file, lines, orders)
        bought = await bench_purchases(database_url, *purchases)
    found = await counts(database_url)
    bad = await violations(database_url)
    print(
        f"{found['customers']} customers, {found['openings']} openings, {found['points']} points;"
        f" run again: {again_s:.1f}s; audit: {bad} violation(s)",
        file=sys.stderr,
    )
    return {
        "customers": customers,
        "bare_copy_s": round(copy_s, 2),
        "import_s": round(import_s, 2),
        "ratio": round(import_s / copy_s, 1),
        **split,
        **split,
        "rerun_s": round(again_s, 2),
        "rows_per_s": round(customers / import_s),
        "customers_found": found["customers"],
        "openings": found["openings"],
        "points": found["points"],
        "violations": bad,
        **({"purchases": bought} if bought else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--purchases", type=int, default=0, help="order lines to import earning after (0: none)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        t0 = time.perf_counter()
        write_file(path, args.customers)
        print(f"wrote {path} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        sales = None
        if args.purchases:
            sales_path = Path(folder) / "sales.csv"
            orders = write_purchases(sales_path, args.purchases, args.customers)
            sales = (sales_path, args.purchases, orders)
        result = run_on_fresh_database(
            "import", lambda url: bench(url, path, args.customers, sales)
        )
    bought = result.get("purchases", {})
    if (
        result["violations"]
        or result["customers_found"] != args.customers
        or bought.get("lines_found", args.purchases) != args.purchases
    ):
        sys.exit(1)


if __name__ == "__main__":
    main()
