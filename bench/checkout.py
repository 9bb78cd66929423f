"""Checkout throughput: a sale at a till paid partly with points (quote, hold, capture, then
the purchase) over HTTP against the same reads and writes done in plain SQL, measured in the
same run on the same machine.

    .venv/bin/python bench/checkout.py [--seconds 20] [--clients 32] [--customers 10000]
        [--rate R]

The PostgreSQL server is TESSERA_DATABASE_URL's, else one on 127.0.0.1:5432, else an
embedded one started for the run. The bench creates its own database there, migrates it,
serves it with `tessera serve --workers 2` as a user would, and drops it at the end. The last
line printed is one JSON object with the figures (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg
import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from checkout_sql import Refused, sql_executor
from domain.audit import audit
from domain.checkout.quote import CartLine
from domain.checkout.rules import update_rules
from domain.uow import UnitOfWork
from harness import (
    Execute,
    NextOperation,
    Phase,
    add_common_arguments,
    add_round_arguments,
    alternate,
    create_token,
    database_transactions,
    drive,
    free_port,
    header_lines,
    http_post,
    load_of,
    phase_figures,
    print_phases,
    process_tree_cpu_s,
    run_on_fresh_database,
    running_server,
    wait_healthy,
)
from tessera.database import asyncpg_dsn, create_engine
from tessera.settings import PROJECT_ROOT

START_BALANCE = 100_000  # far more than a customer's sales in a run can use
REQUESTS_PER_SALE = 4
# 100 points = 1.00 (the default rate); at most 30% of a cart of at least 10.00, discounted
# lines and gift cards excluded: docs/checkout.md's worked example, so the quote does real work.
RULES: dict[str, Any] = {
    "max_discount_bp": 3000,
    "min_cart_minor": 1000,
    "exclude_discounted": True,
}
PRODUCT_RULES = [("SKU", "GIFT-CARD", False)]
POS_OPERATIONS = PROJECT_ROOT / "frontend-contract" / "operations" / "pos"


# --- the workload: the same sales for the API and the SQL baseline -----------------------------


@dataclass
class Sale:
    """One customer at a till: a cart, paid partly with `share` of the points the quote
    allows. The executor leaves each step's latency in `steps_s`."""

    order_id: str
    customer_id: int
    cart: list[CartLine]
    share: float
    steps_s: dict[str, float] = field(default_factory=dict)

    def points(self, max_points: int) -> int:
        return max(1, int(max_points * self.share))

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.steps_s[name] = time.perf_counter() - started


def next_sale(rng: random.Random, customer_ids: list[int], tag: str) -> Sale:
    """1-3 full-price lines of 10.00-50.00, sometimes a discounted line or a gift card (not
    payable with points); half the sales use all the points the quote allows, half some."""
    cart = [
        CartLine(f"SKU-{rng.randrange(200)}", rng.randint(1, 3), rng.randint(1_000, 5_000))
        for _ in range(rng.randint(1, 3))
    ]
    if rng.random() < 0.3:
        cart.append(CartLine(f"SKU-{rng.randrange(200)}", 1, rng.randint(500, 2_000), True))
    if rng.random() < 0.1:
        cart.append(CartLine("GIFT-CARD", 1, rng.choice((2_000, 5_000))))
    share = 1.0 if rng.random() < 0.5 else rng.uniform(0.1, 1.0)
    return Sale(tag, rng.choice(customer_ids), cart, share)


def workload(customer_ids: list[int]) -> NextOperation:
    return lambda rng, tag: next_sale(rng, customer_ids, tag)


# --- the API side: the POS operations, as a till sends them --------------------------------------


def api_executor(port: int, token: str) -> Execute:
    headers = header_lines({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    prefixes = {
        name: b'{"query":' + orjson.dumps((POS_OPERATIONS / f"{name}.graphql").read_text())
        for name in ("QuoteRedemption", "HoldPoints", "CaptureHold", "RecordPurchase")
    }

    async def call(operation: str, variables: dict[str, Any]) -> Any:
        """The operation's field (quoteRedemption for QuoteRedemption); Refused on an HTTP
        error, a top-level error or a user error."""
        field_name = operation[0].lower() + operation[1:]
        body = prefixes[operation] + b',"variables":' + orjson.dumps(variables) + b"}"
        status, raw = await http_post(port, "/graphql", body, headers)
        if status != 200:
            raise Refused(f"{field_name}: HTTP {status} {raw[:300]!r}")
        reply = orjson.loads(raw)
        if reply.get("errors"):
            raise Refused(f"{field_name}: {reply['errors']}")
        data = reply["data"][field_name]
        if data.get("userErrors"):
            raise Refused(f"{field_name}: {data['userErrors']}")
        return data

    async def execute(client: int, sale: Sale) -> str | None:
        customer = str(sale.customer_id)
        order = {"customerId": customer, "orderId": sale.order_id}
        cart = [
            {
                "sku": ln.sku,
                "quantity": ln.quantity,
                "unitPriceMinor": ln.unit_price_minor,
                "discounted": ln.discounted,
            }
            for ln in sale.cart
        ]
        try:
            with sale.step("quote"):
                found = await call("QuoteRedemption", {"customerId": customer, "cart": cart})
            if found["maxPoints"] <= 0:
                raise Refused(f"quoteRedemption: nothing payable with points: {found}")
            points = sale.points(found["maxPoints"])
            hold = {
                **order,
                "cart": cart,
                "points": points,
                "idempotencyKey": f"hold-{sale.order_id}",
            }
            with sale.step("hold"):
                held = await call("HoldPoints", {"input": hold})
            with sale.step("capture"):
                await call("CaptureHold", {"holdId": held["hold"]["id"]})
            with sale.step("purchase"):
                await call("RecordPurchase", {"input": {**order, "status": "PAID", "lines": cart}})
        except Refused as refused:
            return str(refused)
        return None

    return execute


# --- setting up: rules, customers ------------------------------------------------------------


_SEED = """
    WITH c AS (
        INSERT INTO customers (external_ref, first_name, category_id)
        SELECT 'bench-' || i, 'Bench ' || i,
               (SELECT id FROM point_categories WHERE is_default)
          FROM generate_series(1, $1::int) AS i
        RETURNING id),
    a AS (INSERT INTO point_accounts (customer_id, balance, lifetime_earned)
          SELECT id, $2::bigint, $2::bigint FROM c),
    e AS (INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note, actor,
                                      idempotency_key)
          SELECT id, $2::bigint, $2::bigint, 'MANUAL', 'bench starting balance', 'bench',
                 'bench-start-' || id
            FROM c
          RETURNING id, customer_id),
    l AS (INSERT INTO point_lots (customer_id, entry_id, granted, remaining)
          SELECT customer_id, id, $2::bigint, $2::bigint FROM e)
    SELECT id FROM c ORDER BY id
"""


async def seed(engine: AsyncEngine, database_url: str, count: int) -> list[int]:
    """The redemption rules (through the domain), then `count` customers with START_BALANCE
    points each in one statement: the rows an account, a credit and its lot are (no events:
    nothing consumes them during the bench)."""
    await update_rules(UnitOfWork(engine), RULES, PRODUCT_RULES, [])
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await conn.fetch(_SEED, count, START_BALANCE)
        await conn.execute("ANALYZE")  # as autovacuum soon would: plans as on a live database
    finally:
        await conn.close()
    return [row["id"] for row in rows]


# --- the run ---------------------------------------------------------------------------------


async def measure_api(
    database_url: str, customer_ids: list[int], args: argparse.Namespace, round_no: int = 1
) -> tuple[Phase, dict[str, float]]:
    """Serve the bench database as a user would and ring up sales as a cashier."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        with running_server(database_url, port) as server:
            await wait_healthy(session, base, server)
            token = await asyncio.to_thread(create_token, database_url, "cashier")
            xacts_before = await database_transactions(database_url)
            cpu_before = process_tree_cpu_s(server.pid)
            execute = api_executor(port, token)
            tag = f"api-{os.getpid()}-{round_no}"
            api = await drive(execute, workload(customer_ids), tag, args)
            server_cpu_s = process_tree_cpu_s(server.pid) - cpu_before
    # Read after the server stopped: its sessions have ended and flushed their statistics.
    # The -1 is the transaction that read the first count.
    xacts = await database_transactions(database_url) - xacts_before - 1
    sales = max(api.issued, 1)
    return api, {
        "api_server_cpu_ms_per_sale": round(server_cpu_s * 1000 / sales, 2),
        "api_server_cpu_ms_per_req": round(server_cpu_s * 1000 / sales / REQUESTS_PER_SALE, 2),
        "api_client_cpu_ms_per_sale": round(api.client_cpu_s * 1000 / sales, 2),
        "api_db_xacts_per_sale": round(xacts / sales, 2),
    }


async def measure_sql(
    database_url: str, customer_ids: list[int], args: argparse.Namespace, round_no: int = 1
) -> tuple[Phase, dict[str, float]]:
    """The same reads and writes in plain SQL, one connection per client."""
    dsn = asyncpg_dsn(database_url)
    connections = [await asyncpg.connect(dsn) for _ in range(args.clients)]
    xacts_before = await database_transactions(database_url)
    try:
        execute = sql_executor(connections)
        sql = await drive(execute, workload(customer_ids), f"sql-{os.getpid()}-{round_no}", args)
    finally:
        await asyncio.gather(*(conn.close() for conn in connections))
    xacts = await database_transactions(database_url) - xacts_before - 1
    sales = max(sql.issued, 1)
    return sql, {
        "sql_client_cpu_ms_per_sale": round(sql.client_cpu_s * 1000 / sales, 2),
        "sql_db_xacts_per_sale": round(xacts / sales, 2),
    }


_CHECKOUT_STATE = text("""
    SELECT (SELECT count(*) FROM point_accounts WHERE held <> 0) AS accounts_holding,
           (SELECT count(*) FROM holds WHERE status <> 'CAPTURED') AS holds_not_captured,
           (SELECT count(*) FROM holds) AS holds,
           (SELECT count(*) FROM redemptions) AS redemptions,
           (SELECT count(*) FROM purchases) AS purchases,
           (SELECT count(*) FROM purchases p JOIN redemptions r USING (shop, order_id)
             WHERE CAST(p.earning_snapshot ->> 'points_paid_minor' AS bigint)
                   <> r.value_minor) AS earned_on_points
""")


async def checkout_problems(engine: AsyncEngine, sales: int) -> list[str]:
    """What `sales` completed sales must leave (a refused one writes nothing): no points
    held, every hold captured, one hold, one redemption and one purchase per sale, and no
    purchase earning on what points paid."""
    async with engine.connect() as conn:
        state = (await conn.execute(_CHECKOUT_STATE)).one()
    problems = []
    if state.accounts_holding:
        problems.append(f"{state.accounts_holding} accounts still hold points")
    if state.holds_not_captured:
        problems.append(f"{state.holds_not_captured} holds are not CAPTURED")
    if not sales == state.holds == state.redemptions == state.purchases:
        problems.append(
            f"{sales} sales but {state.holds} holds, {state.redemptions} redemptions, "
            f"{state.purchases} purchases"
        )
    if state.earned_on_points:
        problems.append(f"{state.earned_on_points} purchases earned on what points paid")
    return problems


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = create_engine(database_url, pool_size=2)
    try:
        t0 = time.perf_counter()
        customer_ids = await seed(engine, database_url, args.customers)
        seeded_s = time.perf_counter() - t0
        print(f"seeded {len(customer_ids)} customers in {seeded_s:.1f}s", file=sys.stderr)
        measured = await alternate(database_url, customer_ids, args, measure_api, measure_sql)
        api, sql, diagnostics = measured.api, measured.sql, measured.figures
        violations = await audit(engine)
        completed = api.issued + sql.issued - len(api.errors) - len(sql.errors)
        violations += await checkout_problems(engine, completed)
    finally:
        await engine.dispose()
    return report(args, api, sql, violations, diagnostics)


def _steps_ms(phase: Phase, q: float) -> dict[str, float]:
    return {step: round(phase.step_percentile_ms(q, step), 2) for step in phase.steps_s}


def report(
    args: argparse.Namespace,
    api: Phase,
    sql: Phase,
    violations: list[str],
    diagnostics: dict[str, Any],
) -> dict[str, Any]:
    print(
        f"\ncheckout bench: {load_of(args)}, {args.seconds:g}s each "
        f"(after {args.warmup:g}s warm-up), {args.customers} customers; "
        f"a sale is quote + hold + capture + recordPurchase"
    )
    print_phases({"API": api, "SQL": sql}, "sales", "sales/s")
    ratio = api.rps / sql.rps if sql.rps else 0.0
    print(f"ratio API/SQL (sales/s): {ratio:.3f}")
    print(
        f"per API sale ({REQUESTS_PER_SALE} requests): server CPU "
        f"{diagnostics['api_server_cpu_ms_per_sale']} ms (all workers; "
        f"{diagnostics['api_server_cpu_ms_per_req']} ms per request), client CPU "
        f"{diagnostics['api_client_cpu_ms_per_sale']} ms, "
        f"~{diagnostics['api_db_xacts_per_sale']} database transactions"
    )
    print(
        f"per SQL sale: client CPU {diagnostics['sql_client_cpu_ms_per_sale']} ms, "
        f"~{diagnostics['sql_db_xacts_per_sale']} database transactions"
    )
    errors = api.errors + sql.errors
    print(f"errors: {len(api.errors)} API, {len(sql.errors)} SQL")
    for error in errors[:10]:
        print(f"  {error}")
    print(f"ledger invariant violations and checkout problems: {len(violations)}")
    for violation in violations[:10]:
        print(f"  {violation}")
    return {
        "bench": "checkout",
        "seconds": int(args.seconds) if float(args.seconds).is_integer() else args.seconds,
        "clients": args.clients,
        "rate": args.rate,
        "customers": args.customers,
        **phase_figures("api", api),
        "api_p90_ms": round(api.percentile_ms(0.9), 2),
        "api_max_ms": round(api.percentile_ms(1.0), 2),
        **phase_figures("sql", sql),
        "sql_p90_ms": round(sql.percentile_ms(0.9), 2),
        "sql_max_ms": round(sql.percentile_ms(1.0), 2),
        "ratio": round(ratio, 3),
        "errors": len(errors),
        "violations": len(violations),
        "api_steps_p50_ms": _steps_ms(api, 0.5),
        "api_steps_p99_ms": _steps_ms(api, 0.99),
        "sql_steps_p50_ms": _steps_ms(sql, 0.5),
        "sql_steps_p99_ms": _steps_ms(sql, 0.99),
        **diagnostics,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    add_round_arguments(parser)
    parser.add_argument("--customers", type=int, default=10_000)
    args = parser.parse_args(argv)
    result = run_on_fresh_database("checkout", lambda url: run(url, args))
    return 0 if result["errors"] == 0 and result["violations"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
