"""Earning throughput: `recordPurchase` and `adjustPoints` over HTTP against the same ledger
writes done in plain SQL, measured in the same run on the same machine.

    .venv/bin/python bench/earn.py [--seconds 20] [--clients 32] [--customers 1000]

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
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import asyncpg
import orjson
from sqlalchemy import TextClause, text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.ledger import posting
from domain.ledger.invariants import find_violations
from domain.ledger.kinds import EntryKind, lifetime_deltas
from domain.ledger.services import adjust_points
from domain.purchases import repository as purchase_repository
from domain.purchases import rules
from domain.purchases import services as purchase_services
from domain.purchases.earning import EarningRule, EarningSnapshot, Line, PurchaseStatus, points_for
from domain.uow import UnitOfWork
from tessera.database import asyncpg_dsn, create_engine
from tessera.embedded import start_temporary_postgres
from tessera.migrate import upgrade
from tessera.settings import PROJECT_ROOT, Settings

LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
START_BALANCE = 1_000
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


@dataclass
class Phase:
    """What a run of one driver measured (warm-up excluded)."""

    latencies_s: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    issued: int = 0  # requests issued, warm-up included (the denominator for CPU per request)
    client_cpu_s: float = 0.0

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies_s.values())

    @property
    def rps(self) -> float:
        return self.count / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, q: float, kind: str | None = None) -> float:
        values = sorted(
            self.latencies_s.get(kind, []) if kind else
            [x for v in self.latencies_s.values() for x in v]
        )  # fmt: skip
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(q * len(values)))] * 1000


Execute = Callable[[int, Operation], Awaitable[str | None]]  # (client, op) -> error or None


async def drive(
    execute: Execute, customer_ids: list[int], prefix: str, args: argparse.Namespace
) -> Phase:
    """Run `args.clients` loops issuing operations back to back for `args.warmup` then
    `args.seconds` seconds; latencies are kept for the latter only, errors for both."""
    phase = Phase()
    loop = asyncio.get_running_loop()
    measure_from = loop.time() + args.warmup
    stop_at = measure_from + args.seconds
    cpu_start = time.process_time()

    async def client(n: int) -> None:
        rng = random.Random(f"{prefix}-{n}")
        seq = 0
        while (now := loop.time()) < stop_at:
            seq += 1
            op = next_operation(rng, customer_ids, f"{prefix}-{n}-{seq}")
            t0 = time.perf_counter()
            error = await execute(n, op)
            latency = time.perf_counter() - t0
            phase.issued += 1
            if error is not None:
                phase.errors.append(error)
            elif now >= measure_from:
                phase.latencies_s.setdefault(type(op).__name__, []).append(latency)

    await asyncio.gather(*(client(n) for n in range(args.clients)))
    phase.elapsed_s = loop.time() - measure_from
    phase.client_cpu_s = time.process_time() - cpu_start
    return phase


# --- the API side ----------------------------------------------------------------------------


def api_executor(session: aiohttp.ClientSession, url: str, token: str) -> Execute:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    purchase_prefix = b'{"query":' + orjson.dumps(PURCHASE_QUERY) + b',"variables":'
    adjust_prefix = b'{"query":' + orjson.dumps(ADJUST_QUERY) + b',"variables":'

    async def execute(client: int, op: Operation) -> str | None:
        if isinstance(op, Purchase):
            field_name, prefix = "recordPurchase", purchase_prefix
            variables: dict[str, Any] = {
                "input": {
                    "orderId": op.order_id,
                    "status": "PAID",
                    "customerId": str(op.customer_id),
                    "lines": [
                        {
                            "sku": ln.sku,
                            "quantity": ln.quantity,
                            "unitPriceMinor": ln.unit_price_minor,
                        }
                        for ln in op.lines
                    ],
                }
            }
        else:
            field_name, prefix = "adjustPoints", adjust_prefix
            variables = {
                "input": {
                    "customerId": str(op.customer_id),
                    "points": op.points,
                    "note": "bench",
                    "idempotencyKey": op.key,
                }
            }
        body = prefix + orjson.dumps(variables) + b"}"
        async with session.post(url, data=body, headers=headers) as response:
            raw = await response.read()
        if response.status != 200:
            return f"{field_name}: HTTP {response.status} {raw[:300]!r}"
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


CREDIT_SQL = _positional(posting._CREDIT_NEW_LOT)
DEBIT_BALANCE_SQL = _positional(posting._DEBIT_BALANCE)
DEBIT_LOTS_SQL = _positional(posting._DEBIT_LOTS)
CONTEXT_SQL = _positional(text(purchase_services._CONTEXT + " WHERE c.id = :key"))
PURCHASE_SQL = _positional(purchase_repository._INSERT_NEW_AND_AWARD)


def _run_args(sql: tuple[str, tuple[str, ...]], params: dict[str, Any]) -> list[Any]:
    return [params[name] for name in sql[1]]


def _posting(customer_id: int, points: int, kind: EntryKind, **fields: Any) -> dict[str, Any]:
    """The parameters the posting module binds for this posting."""
    earned, spent = lifetime_deltas(kind, points)
    values = posting.Posting(customer_id, points, kind, ACTOR, earned, spent, **fields)
    return {**posting.posting_params(values), "expires_at": None, "preferred_lot_id": None}


def sql_executor(connections: list[asyncpg.Connection]) -> Execute:
    """The same statements the API runs, straight on asyncpg: a purchase is the earning
    context read then one statement writing purchase, lines, award and events; a credit is
    one statement; a debit is two in a transaction."""

    async def purchase(conn: asyncpg.Connection, op: Purchase) -> None:
        ctx = await conn.fetchrow(
            CONTEXT_SQL[0],
            *_run_args(
                CONTEXT_SQL,
                {
                    "key": op.customer_id,
                    "skus": [ln.sku for ln in op.lines],
                    "program": rules.PROGRAM_ID,
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
        }
        row = await conn.fetchrow(PURCHASE_SQL[0], *_run_args(PURCHASE_SQL, params))
        assert row is not None and row["id"] is not None

    async def adjust(conn: asyncpg.Connection, op: Adjustment) -> None:
        params = _posting(op.customer_id, op.points, EntryKind.MANUAL, note="bench",
                          idempotency_key=f"manual:{op.key}")  # fmt: skip
        if op.points > 0:
            await conn.fetchrow(CREDIT_SQL[0], *_run_args(CREDIT_SQL, params))
            return
        async with conn.transaction():
            balance = await conn.fetchval(
                DEBIT_BALANCE_SQL[0], *_run_args(DEBIT_BALANCE_SQL, params)
            )
            if balance is None:
                raise _Refused(f"adjust: insufficient points for {op}")
            params.update(amount=-op.points, balance_after=balance)
            await conn.fetchrow(DEBIT_LOTS_SQL[0], *_run_args(DEBIT_LOTS_SQL, params))

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


def _port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def choose_server() -> tuple[str, Callable[[], None]]:
    """A PostgreSQL server URL to create the bench database on, and how to stop it after."""
    if url := os.environ.get("TESSERA_DATABASE_URL"):
        return url, lambda: None
    if _port_answers("127.0.0.1", 5432):
        return LOCAL_SERVER_URL, lambda: None
    print("no PostgreSQL configured or on :5432; starting an embedded one", file=sys.stderr)
    return start_temporary_postgres(Settings.from_env().data_dir / "bench")


def with_database(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def admin_sql(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def seed_customers(engine: AsyncEngine, count: int) -> list[int]:
    """`count` customers, each credited START_BALANCE points, through the domain services."""
    gate = asyncio.Semaphore(8)

    async def one(i: int) -> int:
        async with gate:
            customer = await create_customer(
                UnitOfWork(engine), {"external_ref": f"bench-{i}", "first_name": f"Bench {i}"}, None
            )
            await adjust_points(
                UnitOfWork(engine),
                str(customer.id),
                START_BALANCE,
                "bench starting balance",
                f"bench-start-{i}",
                "bench",
            )
            return customer.id

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "tessera.cli", *args]


@contextmanager
def running_server(database_url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`tessera serve --workers 2` on the bench database; SIGTERM and wait on the way out."""
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            _cli("serve", "--port", str(port), "--workers", "2", "--log-level", "warning"),
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(SERVER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)  # its own session: only our server
                server.wait()
            log.seek(0)
            output = log.read().decode(errors="replace").strip()
            if output:
                print(f"--- server output ---\n{output[-4000:]}", file=sys.stderr)


async def wait_healthy(
    session: aiohttp.ClientSession, base: str, server: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            async with session.get(f"{base}/health") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server was not healthy within {SERVER_START_TIMEOUT_S:.0f}s")
        await asyncio.sleep(0.1)


def process_tree_cpu_s(pid: int) -> float:
    """CPU seconds used so far by a process and its children (the server's workers)."""
    try:
        import psutil
    except ImportError:  # the figure is a diagnostic; the bench runs without it
        return float("nan")
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def database_transactions(database_url: str) -> int:
    """Transactions committed or rolled back in the database so far, as PostgreSQL counts."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        count: int = await conn.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return count
    finally:
        await conn.close()


def create_token(database_url: str) -> str:
    result = subprocess.run(
        _cli("token", "create", "--role", "admin", "--name", "bench"),
        env={**os.environ, "TESSERA_DATABASE_URL": database_url},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


# --- the run ---------------------------------------------------------------------------------


async def measure_api(
    database_url: str, customer_ids: list[int], args: argparse.Namespace
) -> tuple[Phase, dict[str, float]]:
    """Serve the bench database as a user would and drive the GraphQL API."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # By default each request opens its own connection, as requests do behind a load
    # balancer: uvicorn's worker processes share one listening socket, so long-lived
    # connections stay wherever the kernel first put them (often 19 on one worker and 13 on
    # the other), and the busier worker then sets the tail latency. --keep-alive measures that.
    connector = aiohttp.TCPConnector(limit=args.clients, force_close=not args.keep_alive)
    async with aiohttp.ClientSession(connector=connector) as session:
        with running_server(database_url, port) as server:
            await wait_healthy(session, base, server)
            token = await asyncio.to_thread(create_token, database_url)
            xacts_before = await database_transactions(database_url)
            cpu_before = process_tree_cpu_s(server.pid)
            execute = api_executor(session, f"{base}/graphql", token)
            api = await drive(execute, customer_ids, f"api-{os.getpid()}", args)
            server_cpu_s = process_tree_cpu_s(server.pid) - cpu_before
    # Read after the server stopped: its sessions have ended and flushed their statistics.
    # The -1 is the transaction that read the first count.
    xacts = await database_transactions(database_url) - xacts_before - 1
    issued = max(api.issued, 1)
    return api, {
        "api_server_cpu_ms_per_req": round(server_cpu_s * 1000 / issued, 2),
        "api_client_cpu_ms_per_req": round(api.client_cpu_s * 1000 / issued, 2),
        "api_db_xacts_per_req": round(xacts / issued, 2),
    }


async def measure_sql(
    database_url: str, customer_ids: list[int], args: argparse.Namespace
) -> Phase:
    """The same writes in plain SQL, one connection per client."""
    dsn = asyncpg_dsn(database_url)
    connections = [await asyncpg.connect(dsn) for _ in range(args.clients)]
    try:
        execute = sql_executor(connections)
        return await drive(execute, customer_ids, f"sql-{os.getpid()}", args)
    finally:
        await asyncio.gather(*(conn.close() for conn in connections))


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = create_engine(database_url, pool_size=8)
    try:
        t0 = time.perf_counter()
        customer_ids = await seed_customers(engine, args.customers)
        seeded_s = time.perf_counter() - t0
        print(f"seeded {len(customer_ids)} customers in {seeded_s:.1f}s", file=sys.stderr)
        api, diagnostics = await measure_api(database_url, customer_ids, args)
        sql = await measure_sql(database_url, customer_ids, args)
        diagnostics["sql_client_cpu_ms_per_req"] = round(
            sql.client_cpu_s * 1000 / max(sql.issued, 1), 2
        )
        async with engine.connect() as conn:
            violations = await find_violations(conn)
    finally:
        await engine.dispose()
    return report(args, api, sql, violations, diagnostics)


def report(
    args: argparse.Namespace,
    api: Phase,
    sql: Phase,
    violations: list[str],
    diagnostics: dict[str, float],
) -> dict[str, Any]:
    print(
        f"\nearn bench: {args.clients} clients, {args.seconds:g}s each "
        f"(after {args.warmup:g}s warm-up), {args.customers} customers"
    )
    print(f"{'':<22}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, phase in (("API", api), ("SQL", sql)):
        print(
            f"{name + ' (all)':<22}{phase.count:>10}{phase.rps:>10.1f}"
            f"{phase.percentile_ms(0.5):>10.2f}{phase.percentile_ms(0.99):>10.2f}"
        )
        for kind, values in sorted(phase.latencies_s.items()):
            print(
                f"{'  ' + kind:<22}{len(values):>10}{len(values) / phase.elapsed_s:>10.1f}"
                f"{phase.percentile_ms(0.5, kind):>10.2f}"
                f"{phase.percentile_ms(0.99, kind):>10.2f}"
            )
    ratio = api.rps / sql.rps if sql.rps else 0.0
    print(f"ratio API/SQL (req/s): {ratio:.3f}")
    print(
        f"per API request: server CPU {diagnostics['api_server_cpu_ms_per_req']} ms "
        f"(all workers), client CPU {diagnostics['api_client_cpu_ms_per_req']} ms, "
        f"~{diagnostics['api_db_xacts_per_req']} database transactions"
    )
    print(f"per SQL operation: client CPU {diagnostics['sql_client_cpu_ms_per_req']} ms")
    errors = api.errors + sql.errors
    print(f"errors: {len(api.errors)} API, {len(sql.errors)} SQL")
    for error in errors[:10]:
        print(f"  {error}")
    print(f"ledger invariant violations: {len(violations)}")
    for violation in violations[:10]:
        print(f"  {violation}")
    return {
        "bench": "earn",
        "seconds": int(args.seconds) if float(args.seconds).is_integer() else args.seconds,
        "clients": args.clients,
        "keep_alive": args.keep_alive,
        "api_rps": round(api.rps, 1),
        "api_p50_ms": round(api.percentile_ms(0.5), 2),
        "api_p99_ms": round(api.percentile_ms(0.99), 2),
        "sql_rps": round(sql.rps, 1),
        "sql_p50_ms": round(sql.percentile_ms(0.5), 2),
        "sql_p99_ms": round(sql.percentile_ms(0.99), 2),
        "ratio": round(ratio, 3),
        "errors": len(errors),
        "violations": len(violations),
        **diagnostics,
    }


def _new_event_loop() -> asyncio.AbstractEventLoop:
    # The same loop for both sides; uvloop keeps the client's own CPU use down when present.
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per side")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients per side")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="reuse one connection per client (unbalanced across server workers)",
    )
    args = parser.parse_args(argv)

    server_url, stop_server = choose_server()
    name = f"tessera_bench_{os.getpid()}"
    try:
        asyncio.run(admin_sql(server_url, f'CREATE DATABASE "{name}"'))
        try:
            database_url = with_database(server_url, name)
            upgrade(database_url)
            with asyncio.Runner(loop_factory=_new_event_loop) as runner:
                result = runner.run(run(database_url, args))
        finally:
            asyncio.run(admin_sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        stop_server()
    print(orjson.dumps(result).decode())
    return 0 if result["errors"] == 0 and result["violations"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
