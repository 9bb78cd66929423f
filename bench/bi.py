"""BI reports on the reports bench's program (5M ledger entries, 200k customers) plus a
million purchases with their lines: each report over HTTP (the ROI of a month and of a
year, cohorts, top SKUs and product lines, customers per card type, an RFM recompute) next
to the plain SQL that docs/reports.md writes for the same figures, measured in the same run
on the same database; the figures must agree.

    .venv/bin/python bench/bi.py [--customers 200000] [--entries 5000000] [--repeat 3]

The PostgreSQL server is TESSERA_DATABASE_URL's, else one on 127.0.0.1:5432, else an
embedded one. The bench creates its own database, migrates it, seeds it in SQL
(bench/reports_seed.py, then bench/bi_seed.py), serves it with `tessera serve --workers 2`
and drops it at the end. The last line printed is one JSON object with the figures (see
bench/README.md)."""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import aiohttp
from bi_seed import seed_purchases
from sqlalchemy import BigInteger, DateTime, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.card_rollups import roll_up_cards_now
from domain.analytics.cohort_rollups import roll_up_cohorts_now
from domain.analytics.product_rollups import roll_up_products_now
from domain.analytics.roi_rollups import roll_up_roi_now
from domain.ledger.rollups import roll_up_now
from domain.uow import UnitOfWork
from harness import (
    create_token,
    free_port,
    header_lines,
    run_on_fresh_database,
    running_server,
    timed_graphql,
    wait_healthy,
)
from reports_seed import seed
from tessera.database import asyncpg_dsn, create_engine

DOCS = Path(__file__).resolve().parent.parent / "docs" / "reports.md"
BLOCK = re.compile(r"<!-- sql: ([\w-]+) -->\n\n```sql\n(.*?)```", re.S)
TYPES = {"since": DateTime(timezone=True), "until": DateTime(timezone=True)}
MONTH = {"since": "2026-03-01T00:00:00+00:00", "until": "2026-04-01T00:00:00+00:00"}
YEAR = {"since": "2025-07-01T00:00:00+00:00", "until": "2026-07-01T00:00:00+00:00"}
COHORTS = {"since": "2024-07-01T00:00:00+00:00", "until": "2025-07-01T00:00:00+00:00"}

ROI = """query($since: DateTime!, $until: DateTime!) { roiReport(since: $since, until: $until) {
  rows { shop channel sales { revenueMinor } } total { sales { revenueMinor orders } }
  costMinor incrementalRevenueMinor roi } }"""
COHORT_QUERY = """query($since: DateTime!, $until: DateTime!) {
  cohorts(since: $since, until: $until, months: 12) {
    customers months { buyers earned spent expired } } }"""
TOP = """query($since: DateTime!, $until: DateTime!, $by: ProductGrouping!) {
  topProducts(since: $since, until: $until, by: $by, first: 20) { key revenueMinor } }"""
CARDS = "{ customersPerCardType { type customers active lost } }"
RFM = """mutation($key: String!) { recomputeRfm(input: {idempotencyKey: $key}) {
  run { customers } userErrors { code } } }"""
# The plain SQL of an RFM scoring: the window's aggregate and the three NTILEs, read only.
RFM_SQL = """
SELECT count(*) AS customers FROM (
  SELECT customer_id, ntile(5) OVER (ORDER BY max(occurred_at)) AS r,
         ntile(5) OVER (ORDER BY count(*)) AS f, ntile(5) OVER (ORDER BY sum(net_minor)) AS m
    FROM (SELECT p.customer_id, p.occurred_at, p.total_minor - COALESCE(r.refunded, 0) AS net_minor
            FROM purchases p
            LEFT JOIN (SELECT purchase_id, sum(amount_minor) AS refunded FROM refunds
                        GROUP BY purchase_id) r ON r.purchase_id = p.id
           WHERE p.status IN ('PAID', 'COMPLETED')
             AND p.occurred_at >= now() - interval '365 days' AND p.occurred_at < now()) o
   GROUP BY customer_id) s"""


def documented() -> dict[str, str]:
    return {name: sql.strip().rstrip(";") for name, sql in BLOCK.findall(DOCS.read_text())}


async def fetch(engine: AsyncEngine, sql: str, **params: Any) -> list[dict[str, Any]]:
    statement = text(sql).bindparams(
        *(bindparam(n, type_=TYPES.get(n, BigInteger)) for n in params if f":{n}" in sql)
    )
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(statement, params)).mappings().all()]


def _moments(period: dict[str, str]) -> dict[str, Any]:
    from datetime import datetime

    return {k: datetime.fromisoformat(v) for k, v in period.items()}


async def roi_by_sql(engine: AsyncEngine, docs: dict[str, str], period: dict[str, str]) -> object:
    """(revenue, cost, roi) from the documented queries alone."""
    at = _moments(period)
    (members,) = await fetch(engine, docs["roi-members"], **at)
    (costs,) = await fetch(engine, docs["roi-costs"], **at)
    (points,) = await fetch(engine, docs["roi-points"], **at)
    (base,) = await fetch(engine, docs["roi-baseline"], **at)
    await fetch(engine, docs["roi-sales"], **at)  # the rows, timed with the rest
    cost = sum(costs.values()) + int(points["bonus_value_minor"])
    incremental = base["baselined_revenue_minor"] - base["baseline_minor"]
    roi = (Decimal(incremental - cost) / cost).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return (int(members["revenue_minor"]), cost, str(roi))


@dataclass
class Case:
    """A report over HTTP and the same figures by plain SQL: they must agree."""

    name: str
    query: str
    variables: dict[str, Any]
    api_figure: Callable[[dict[str, Any]], object]
    sql_figure: Callable[[AsyncEngine, dict[str, str]], Any]
    token: str = "viewer"
    api_s: list[float] = field(default_factory=list)
    sql_s: list[float] = field(default_factory=list)


def _cohort_sums(data: dict[str, Any]) -> object:
    months = [m for c in data["cohorts"] for m in c["months"]]
    return tuple(sum(m[k] for m in months) for k in ("buyers", "earned", "spent", "expired"))


async def _cohorts_sql(engine: AsyncEngine, docs: dict[str, str]) -> object:
    rows = await fetch(engine, docs["cohorts"], **_moments(COHORTS), months=12)
    return tuple(sum(int(r[k]) for r in rows) for k in ("buyers", "earned", "spent", "expired"))


async def _top_sql(engine: AsyncEngine, docs: dict[str, str], by_line: bool) -> object:
    sql = docs["top-products"].replace("LIMIT :first", "LIMIT 20")
    if by_line:
        sql = sql.replace("SELECT l.sku AS key", "SELECT COALESCE(l.product_line, '') AS key")
    rows = await fetch(engine, sql, **_moments(YEAR))
    return [(r["key"], int(r["revenue_minor"])) for r in rows]


async def _cards_sql(engine: AsyncEngine, docs: dict[str, str]) -> object:
    rows = await fetch(engine, docs["card-types"])
    return sorted((r["type"], r["customers"], r["active"], r["lost"]) for r in rows)


def cases() -> list[Case]:
    def roi_api(d: dict[str, Any]) -> object:
        r = d["roiReport"]
        return (r["total"]["sales"]["revenueMinor"], r["costMinor"], r["roi"])

    def top_api(d: dict[str, Any]) -> object:
        return [(p["key"], p["revenueMinor"]) for p in d["topProducts"]]

    def cards_api(d: dict[str, Any]) -> object:
        held = d["customersPerCardType"]
        return sorted(
            (c["type"], c["customers"], c["active"], c["lost"])
            for c in held
            if c["customers"] or c["lost"]
        )

    return [
        Case("roi, a month", ROI, MONTH, roi_api, lambda e, s: roi_by_sql(e, s, MONTH)),
        Case("roi, a year", ROI, YEAR, roi_api, lambda e, s: roi_by_sql(e, s, YEAR)),
        Case("cohorts, 12 x 12 months", COHORT_QUERY, COHORTS, _cohort_sums, _cohorts_sql),
        Case(
            "top SKUs, a year",
            TOP,
            {**YEAR, "by": "SKU"},
            top_api,
            lambda e, s: _top_sql(e, s, False),
        ),
        Case(
            "top product lines, a year",
            TOP,
            {**YEAR, "by": "PRODUCT_LINE"},
            top_api,
            lambda e, s: _top_sql(e, s, True),
        ),
        Case("customers per card type", CARDS, {}, cards_api, _cards_sql),
        Case(
            "rfm recompute (job)",
            RFM,
            {},
            lambda d: d["recomputeRfm"]["run"]["customers"],
            lambda e, s: _rfm_sql(e),
            token="admin",
        ),
    ]


async def _rfm_sql(engine: AsyncEngine) -> object:
    (row,) = await fetch(engine, RFM_SQL)
    return row["customers"]


async def measure(database_url: str, all_cases: list[Case], repeat: int) -> list[str]:
    """Each case over HTTP, then by SQL, `repeat` times after one unmeasured run each."""
    errors: list[str] = []
    answers: dict[str, object] = {}
    port = free_port()
    async with aiohttp.ClientSession() as session:
        with running_server(database_url, port) as server:
            await wait_healthy(session, f"http://127.0.0.1:{port}", server)
            tokens = {
                r: await asyncio.to_thread(create_token, database_url, r)
                for r in ("viewer", "admin")
            }
            for case in all_cases:
                headers = header_lines(
                    {
                        "Authorization": f"Bearer {tokens[case.token]}",
                        "Content-Type": "application/json",
                    }
                )
                for run in range(repeat + 1):
                    variables = {**case.variables, "key": f"bench-{run}"}
                    elapsed, answer = await timed_graphql(port, case.query, variables, headers)
                    if answer.get("errors"):
                        errors.append(f"{case.name}: {answer['errors']}"[:300])
                        break
                    answers[case.name] = case.api_figure(answer["data"])
                    if run:
                        case.api_s.append(elapsed)
    engine = create_engine(database_url, pool_size=1)
    docs = documented()
    try:
        for case in all_cases:
            for run in range(repeat + 1):
                t0 = time.perf_counter()
                figure = await case.sql_figure(engine, docs)
                if run:
                    case.sql_s.append(time.perf_counter() - t0)
            if answers.get(case.name) != figure:
                errors.append(f"{case.name}: API {answers.get(case.name)}, SQL {figure}"[:300])
    finally:
        await engine.dispose()
    return errors


def _ms(values: list[float], how: Callable[[list[float]], float]) -> float:
    return round(how(values) * 1000, 2) if values else 0.0


def report(
    args: argparse.Namespace, all_cases: list[Case], seeded: dict[str, float], errors: list[str]
) -> dict[str, Any]:
    print(
        f"\nBI bench: {args.entries:,} entries and {seeded['purchases']:,.0f} purchases of "
        f"{args.customers:,} customers (seeded in {seeded['seed_s']:.0f}s, rolled up in "
        f"{seeded['rollup_s']:.0f}s), each report {args.repeat} times after one warm-up run"
    )
    print(
        f"{'':<28}{'API med ms':>12}{'API max ms':>12}{'SQL med ms':>12}{'SQL max ms':>12}"
        f"{'ratio':>8}"
    )
    figures: dict[str, dict[str, float]] = {}
    for case in all_cases:
        api, sql = _ms(case.api_s, statistics.median), _ms(case.sql_s, statistics.median)
        row = {
            "api_median_ms": api,
            "api_max_ms": _ms(case.api_s, max),
            "sql_median_ms": sql,
            "sql_max_ms": _ms(case.sql_s, max),
            "ratio": round(api / sql, 3) if sql else 0.0,
        }
        figures[case.name] = row
        print(
            f"{case.name:<28}{api:>12.2f}{row['api_max_ms']:>12.2f}{sql:>12.2f}"
            f"{row['sql_max_ms']:>12.2f}{row['ratio']:>8.2f}"
        )
    print("ratio: API median / SQL median (the API's time includes HTTP and GraphQL; the RFM")
    print("API run writes every score, the SQL only reads and ranks)")
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    return {
        "bench": "bi",
        "customers": args.customers,
        "entries": args.entries,
        "purchases": int(seeded["purchases"]),
        "repeat": args.repeat,
        "seed_s": round(seeded["seed_s"], 1),
        "rollup_s": round(seeded["rollup_s"], 1),
        "reports": figures,
        "errors": len(errors),
    }


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    await seed(asyncpg_dsn(database_url), args.customers, args.entries)
    purchases = await seed_purchases(asyncpg_dsn(database_url), args.customers)
    seeded = {"seed_s": time.perf_counter() - t0, "purchases": float(purchases)}
    t0 = time.perf_counter()
    await roll_up(database_url)
    seeded["rollup_s"] = time.perf_counter() - t0
    all_cases = cases()
    errors = await measure(database_url, all_cases, args.repeat)
    return report(args, all_cases, seeded, errors)


async def roll_up(database_url: str) -> None:
    """What `tessera rollup-ledger` does after a migration: the ledger's rollups, the
    cohorts', the card types' and the top products' (the reports read them plus the tail,
    then empty)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        await roll_up_now(UnitOfWork(engine))
        await roll_up_cohorts_now(UnitOfWork(engine))
        await roll_up_cards_now(UnitOfWork(engine))
        await roll_up_products_now(UnitOfWork(engine))
        await roll_up_roi_now(UnitOfWork(engine))
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="measured runs of each report")
    args = parser.parse_args(argv)
    result = run_on_fresh_database("bi", lambda url: run(url, args))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
