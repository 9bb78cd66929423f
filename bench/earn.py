"""Earning throughput: `recordPurchase` and `adjustPoints` over HTTP against the same ledger
writes done in plain SQL, measured in the same run on the same machine.

    .venv/bin/python bench/earn.py [--seconds 20] [--clients 32] [--customers 1000] [--badges 5]
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
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import asyncpg
import orjson
from sqlalchemy import TextClause
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.audit import audit
from domain.badges.models import BadgeBasis, BadgeSpec
from domain.badges.services import create_badge
from domain.customers.services import create_customer
from domain.ledger import debiting, posting
from domain.ledger import services as ledger_services
from domain.ledger.kinds import EntryKind
from domain.purchases import earning_rules, locked_insert
from domain.purchases import services as purchase_services
from domain.purchases.earning import EarningRule, EarningSnapshot, Line, PurchaseStatus, points_for
from domain.uow import UnitOfWork
from harness import (
    Execute,
    NextOperation,
    Phase,
    add_common_arguments,
    add_round_arguments,
    alternate,
    create_token,
    database_server_cpu_s,
    database_transactions,
    drive,
    free_port,
    header_lines,
    load_of,
    phase_figures,
    poster,
    print_phases,
    process_tree_cpu_s,
    run_on_fresh_database,
    running_server,
    wait_healthy,
)
from tessera.database import asyncpg_dsn, create_engine

LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
START_BALANCE = 1_000
BADGE_WIDTH = 500  # each badge of the ladder spans this many points
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 15.0
ACTOR = "staff:0:bench"

PURCHASE_QUERY = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  pointsAwarded replayed points { balance } userErrors { field code message } } }"""
ADJUST_QUERY = """mutation($input: AdjustPointsInput!) { adjustPoints(input: $input) {
  entry { id } points { balance } userErrors { field code message } } }"""


# --- the workload: the same operations for the API and the SQL baseline ----------------------


@dataclass(frozen=True)
class Purchase:
    order_id: str
    customer_id: int
    lines: list[Line]


@dataclass(frozen=True)
class Adjustment:
    key: str
    customer_id: int
    points: int


Operation = Purchase | Adjustment


def next_operation(rng: random.Random, customer_ids: list[int], tag: str) -> Operation:
    """Half purchases of 1-3 lines; half adjustments, two credits for one small debit."""
    customer_id = rng.choice(customer_ids)
    if rng.random() < 0.5:
        lines = [
            Line(f"SKU-{rng.randrange(200)}", rng.randint(1, 3), rng.randint(100, 5_000))
            for _ in range(rng.randint(1, 3))
        ]
        return Purchase(tag, customer_id, lines)
    points = rng.randint(1, 50) if rng.random() < 2 / 3 else -rng.randint(1, 10)
    return Adjustment(tag, customer_id, points)


def workload(customer_ids: list[int]) -> NextOperation:
    return lambda rng, tag: next_operation(rng, customer_ids, tag)


# --- the API side ----------------------------------------------------------------------------


def request_of(op: Operation) -> tuple[str, dict[str, Any]]:
    """The mutation an operation sends (its field name) and its variables."""
    if isinstance(op, Purchase):
        lines = [
            {"sku": ln.sku, "quantity": ln.quantity, "unitPriceMinor": ln.unit_price_minor}
            for ln in op.lines
        ]
        purchase = {
            "orderId": op.order_id,
            "status": "PAID",
            "customerId": str(op.customer_id),
            "lines": lines,
        }
        return "recordPurchase", {"input": purchase}
    adjustment = {
        "customerId": str(op.customer_id),
        "points": op.points,
        "note": "bench",
        "idempotencyKey": op.key,
    }
    return "adjustPoints", {"input": adjustment}


def api_executor(port: int, token: str, clients: int = 0, keep_alive: bool = False) -> Execute:
    post = poster(port, clients, keep_alive)
    headers = header_lines({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    purchase_prefix = b'{"query":' + orjson.dumps(PURCHASE_QUERY) + b',"variables":'
    adjust_prefix = b'{"query":' + orjson.dumps(ADJUST_QUERY) + b',"variables":'

    async def execute(client: int, op: Operation) -> str | None:
        field_name, variables = request_of(op)
        prefix = purchase_prefix if isinstance(op, Purchase) else adjust_prefix
        body = prefix + orjson.dumps(variables) + b"}"
        status, raw = await post(client, "/graphql", body, headers)
        if status != 200:
            return f"{field_name}: HTTP {status} {raw[:300]!r}"
        reply = orjson.loads(raw)
        if reply.get("errors"):
            return f"{field_name}: {reply['errors']}"
        user_errors = reply["data"][field_name]["userErrors"]
        return f"{field_name}: {user_errors}" if user_errors else None

    return execute


# --- the SQL side: the rows the API writes, with the posting module's own statements ------------


def _positional(statement: TextClause) -> tuple[str, tuple[str, ...]]:
    """The statement as asyncpg runs it ($1, $2, ...) and its parameter names in order."""
    compiled = statement.compile(dialect=asyncpg_dialect.dialect())
    return compiled.string, tuple(compiled.positiontup or ())


# A manual credit: the credit statement with its guard (the customer was not erased).
CREDIT_SQL = _positional(posting.credit_statement(ledger_services.NOT_ERASED.sql))
# A debit: one call of ledger_debit (debiting._DEBIT_BALANCE then debiting._DEBIT_LOTS).
DEBIT_SQL = _positional(debiting.LEDGER_DEBIT.call)
CONTEXT_SQL = _positional(purchase_services._CONTEXT_BY_ID)
# A new sale awarded now: one call of purchases_record_new (the order's lock, its payments
# read again, then the statement writing purchase, lines, award and events).
PURCHASE_SQL = _positional(locked_insert.RECORD_NEW.call)


def _run_args(sql: tuple[str, tuple[str, ...]], params: dict[str, Any]) -> list[Any]:
    return [params[name] for name in sql[1]]


def _posting(customer_id: int, points: int, kind: EntryKind, **fields: Any) -> dict[str, Any]:
    """The parameters the posting module binds for this posting."""
    values = posting.Posting.of(customer_id, points, kind, ACTOR, **fields)
    return {**posting.posting_params(values), "expires_at": None, "preferred_lot_id": None}


def sql_executor(connections: list[asyncpg.Connection]) -> Execute:
    """The same statements the API runs, straight on asyncpg: a purchase is the earning
    context read then one statement writing purchase, lines, award and events; a credit is
    one statement; a debit is one call of the posting module's function (its two
    statements), no transaction."""

    async def purchase(conn: asyncpg.Connection, op: Purchase) -> None:
        ctx = await conn.fetchrow(
            CONTEXT_SQL[0],
            *_run_args(
                CONTEXT_SQL,
                {
                    "id": op.customer_id,
                    **earning_rules.terms_params(op.lines, "POS", datetime.now(UTC)),
                    "program": earning_rules.PROGRAM_ID,
                    "shop": "default",
                    "order_id": op.order_id,
                },
            ),
        )
        assert ctx is not None
        rule = EarningRule(
            ctx["points_per_unit"],
            ctx["spend_unit_minor"],
            PurchaseStatus(ctx["award_status"]),
            ctx["min_order_minor"],
            ctx["exclude_discounted"],
        )
        snapshot = EarningSnapshot.of(rule, Decimal(ctx["earn_multiplier"]), {})
        points = points_for(op.lines, snapshot)
        params = {
            **_posting(
                op.customer_id,
                points,
                EntryKind.PURCHASE,
                source_type="purchase",
                source_ref=f"default/{op.order_id}",
            ),
            "shop": "default",
            "order_id": op.order_id,
            "customer_id": op.customer_id,
            "channel": "POS",
            "status": "PAID",
            "total_minor": sum(ln.amount_minor for ln in op.lines),
            "occurred_at": datetime.now(UTC),
            "points_earned": points,
            "awarded_at": datetime.now(UTC),
            "earning_snapshot": orjson.dumps(snapshot.to_json()).decode(),
            "skus": [ln.sku for ln in op.lines],
            "quantities": [ln.quantity for ln in op.lines],
            "prices": [ln.unit_price_minor for ln in op.lines],
            "discounted": [ln.discounted for ln in op.lines],
            "line_product_lines": [ln.product_line for ln in op.lines],
            # Nothing taken off by cards: the current discount a holder gets is from the total.
            "card_discounts_minor": 0,
            "program": earning_rules.PROGRAM_ID,
            "paid_read": int(ctx["points_paid_minor"]),
        }
        row = await conn.fetchrow(PURCHASE_SQL[0], *_run_args(PURCHASE_SQL, params))
        assert row is not None and row["outcome"] == "DONE" and row["id"] is not None

    async def adjust(conn: asyncpg.Connection, op: Adjustment) -> None:
        params = _posting(op.customer_id, op.points, EntryKind.MANUAL, note="bench",
                          idempotency_key=f"manual:{op.key}")  # fmt: skip
        if op.points > 0:
            await conn.fetchrow(CREDIT_SQL[0], *_run_args(CREDIT_SQL, params))
            return
        params["records_event"] = True
        account = await conn.fetchrow(DEBIT_SQL[0], *_run_args(DEBIT_SQL, params))
        if account["balance"] is None:  # the ledger policy's guard refused it
            raise _Refused(f"adjust: insufficient points for {op}")

    async def execute(client: int, op: Operation) -> str | None:
        conn = connections[client]
        try:
            await (purchase(conn, op) if isinstance(op, Purchase) else adjust(conn, op))
        except _Refused as refused:  # rolled back, as the API writes nothing on a user error
            return str(refused)
        except asyncpg.PostgresError as error:
            return f"sql: {type(error).__name__}: {error}"
        return None

    return execute


class _Refused(Exception):
    pass


# --- setting up: database, customers, server, token -------------------------------------------


async def seed_customers(engine: AsyncEngine, count: int) -> list[int]:
    """`count` customers, each credited START_BALANCE points, through the domain services."""
    gate = asyncio.Semaphore(8)

    async def one(i: int) -> int:
        async with gate:
            created = await create_customer(
                UnitOfWork(engine), {"external_ref": f"bench-{i}", "first_name": f"Bench {i}"}, None
            )
            customer = created.item
            await ledger_services.adjust_points(
                UnitOfWork(engine),
                str(customer.id),
                START_BALANCE,
                "bench starting balance",
                f"bench-start-{i}",
                "bench",
            )
            return customer.id

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def seed_badges(engine: AsyncEngine, per_basis: int) -> None:
    """A ladder of `per_basis` badges on the balance and as many on lifetime points, each
    BADGE_WIDTH points wide from 0 (the last without a top): customers cross a badge's
    bounds every few operations, so the balance trigger syncs badges under load."""
    for basis in BadgeBasis:
        for i in range(per_basis):
            top = (i + 1) * BADGE_WIDTH - 1 if i < per_basis - 1 else None
            spec = BadgeSpec(f"{basis} {i}", i * BADGE_WIDTH, top, basis)
            await create_badge(UnitOfWork(engine), spec, f"bench-{basis}-{i}")


# --- the run ---------------------------------------------------------------------------------


async def measure_api(
    database_url: str, customer_ids: list[int], args: argparse.Namespace, round_no: int = 1
) -> tuple[Phase, dict[str, float]]:
    """Serve the bench database as a user would and drive the GraphQL API."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        with running_server(database_url, port) as server:
            await wait_healthy(session, base, server)
            token = await asyncio.to_thread(create_token, database_url)
            xacts_before = await database_transactions(database_url)
            cpu_before, db_cpu_before = process_tree_cpu_s(server.pid), database_server_cpu_s()
            execute = api_executor(port, token, args.clients, args.keep_alive)
            tag = f"api-{os.getpid()}-{round_no}"
            api = await drive(execute, workload(customer_ids), tag, args)
            server_cpu_s = process_tree_cpu_s(server.pid) - cpu_before
            db_cpu_s = database_server_cpu_s() - db_cpu_before
    # Read after the server stopped: its sessions have ended and flushed their statistics.
    # The -1 is the transaction that read the first count.
    xacts = await database_transactions(database_url) - xacts_before - 1
    issued = max(api.issued, 1)
    return api, {
        "api_server_cpu_ms_per_req": round(server_cpu_s * 1000 / issued, 2),
        "api_client_cpu_ms_per_req": round(api.client_cpu_s * 1000 / issued, 2),
        "api_db_xacts_per_req": round(xacts / issued, 2),
        "api_db_cpu_ms_per_req": round(db_cpu_s * 1000 / issued, 2),
    }


async def measure_sql(
    database_url: str, customer_ids: list[int], args: argparse.Namespace, round_no: int = 1
) -> tuple[Phase, dict[str, float]]:
    """The same writes in plain SQL, one connection per client; with the database's CPU."""
    dsn = asyncpg_dsn(database_url)
    connections = [await asyncpg.connect(dsn) for _ in range(args.clients)]
    try:
        execute = sql_executor(connections)
        db_cpu_before = database_server_cpu_s()
        phase = await drive(execute, workload(customer_ids), f"sql-{os.getpid()}-{round_no}", args)
        db_cpu_s = database_server_cpu_s() - db_cpu_before
    finally:
        await asyncio.gather(*(conn.close() for conn in connections))
    issued = max(phase.issued, 1)
    return phase, {
        "sql_client_cpu_ms_per_req": round(phase.client_cpu_s * 1000 / issued, 2),
        "sql_db_cpu_ms_per_req": round(db_cpu_s * 1000 / issued, 2),
    }


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = create_engine(database_url, pool_size=8)
    try:
        t0 = time.perf_counter()
        customer_ids = await seed_customers(engine, args.customers)
        await seed_badges(engine, args.badges)
        seeded_s = time.perf_counter() - t0
        print(
            f"seeded {len(customer_ids)} customers and {2 * args.badges} badges in {seeded_s:.1f}s",
            file=sys.stderr,
        )
        measured = await alternate(database_url, customer_ids, args, measure_api, measure_sql)
        api, sql, diagnostics = measured.api, measured.sql, measured.figures
        violations = await audit(engine)
    finally:
        await engine.dispose()
    return report(args, api, sql, violations, diagnostics)


def report(
    args: argparse.Namespace,
    api: Phase,
    sql: Phase,
    violations: list[str],
    diagnostics: dict[str, Any],
) -> dict[str, Any]:
    print(
        f"\nearn bench: {load_of(args)}, {args.seconds:g}s each "
        f"(after {args.warmup:g}s warm-up), {args.customers} customers, "
        f"{2 * args.badges} badges"
    )
    print_phases({"API": api, "SQL": sql})
    ratio = api.rps / sql.rps if sql.rps else 0.0
    print(f"ratio API/SQL (req/s): {ratio:.3f}")
    print(
        f"per API request: server CPU {diagnostics['api_server_cpu_ms_per_req']} ms "
        f"(all workers), client CPU {diagnostics['api_client_cpu_ms_per_req']} ms, "
        f"PostgreSQL CPU {diagnostics['api_db_cpu_ms_per_req']} ms, "
        f"~{diagnostics['api_db_xacts_per_req']} database transactions"
    )
    print(
        f"per SQL operation: client CPU {diagnostics['sql_client_cpu_ms_per_req']} ms, "
        f"PostgreSQL CPU {diagnostics['sql_db_cpu_ms_per_req']} ms"
    )
    errors = api.errors + sql.errors
    print(f"errors: {len(api.errors)} API, {len(sql.errors)} SQL")
    for error in errors[:10]:
        print(f"  {error}")
    print(f"invariant violations (ledger, vouchers, badges): {len(violations)}")
    for violation in violations[:10]:
        print(f"  {violation}")
    return {
        "bench": "earn",
        "seconds": int(args.seconds) if float(args.seconds).is_integer() else args.seconds,
        "clients": args.clients,
        "rate": args.rate,
        "badges": 2 * args.badges,
        **phase_figures("api", api),
        **phase_figures("sql", sql),
        "ratio": round(ratio, 3),
        "errors": len(errors),
        "violations": len(violations),
        **diagnostics,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument(
        "--badges", type=int, default=5, help="badges per basis (balance, lifetime); 0: none"
    )
    add_round_arguments(parser)
    args = parser.parse_args(argv)
    result = run_on_fresh_database("earn", lambda url: run(url, args))
    return 0 if result["errors"] == 0 and result["violations"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
