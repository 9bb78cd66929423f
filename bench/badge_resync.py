"""Earning while a badge changes for every customer: the earn workload (`recordPurchase` and
`adjustPoints` over HTTP) alone, then beside a `createBadge` that half of N customers unlock,
whose re-sync runs in chunks (the mutation's own part, then a worker's), in the same run.

    .venv/bin/python bench/badge_resync.py [--customers 1000000] [--clients 32] [--seconds 20]

The PostgreSQL server is chosen as for the other benches; the bench creates its own database
there, seeds it in set-based SQL, serves it with `tessera serve --workers 2` and runs
`tessera worker` on a broker of its own (TESSERA_BROKER_URL if set, else a Redis started for
the run), and drops the database at the end. The last line printed is one JSON object with
the figures (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg
import orjson

from domain.audit import audit
from domain.badges.standings import DUE_FROM_SCRATCH
from earn import api_executor, workload
from harness import (
    Execute,
    NextOperation,
    cli,
    create_token,
    free_port,
    header_lines,
    http_post,
    own_broker,
    run_on_fresh_database,
    running_server,
    wait_healthy,
)
from tessera.database import asyncpg_dsn, create_engine
from tessera.settings import PROJECT_ROOT

BADGE_WIDTH = 500  # the balance ladder's badges span this many points, as in earn.py
LOW_POINTS = 500  # customers start with LOW_POINTS .. LOW_POINTS + SPREAD - 1 points
SPREAD = 2_000
SEED_BATCH = 100_000  # customers per seeding statement
WORKER_STOP_TIMEOUT_S = 15.0
POLL_S = 0.2

CREATE_BADGE = """mutation($input: CreateBadgeInput!) { createBadge(input: $input) {
  badge { id resync { status customersDone customersTotal } }
  unlockedCount userErrors { field code message } } }"""
RESYNCS = """{ badges { id resync { generation status customersDone customersTotal
  unlockedCount lostCount startedAt finishedAt } } }"""


# --- seeding: N customers, their points and the badges they hold, in set-based SQL -------------

# One batch of customers with LOW_POINTS..LOW_POINTS+SPREAD-1 points (a fixed scramble of
# their ids; lifetime points the same), each an account, a credit entry and its lot. No badge
# exists yet, so the balance trigger finds nothing to sync.
_SEED = """
    WITH c AS (
        INSERT INTO customers (external_ref, first_name, category_id)
        SELECT 'bench-' || i, 'Bench ' || i, (SELECT id FROM point_categories WHERE is_default)
          FROM generate_series($1::int, $2::int) AS i
        RETURNING id),
    p AS (SELECT id, $3::bigint + (id * 7919) % $4::bigint AS points FROM c),
    a AS (INSERT INTO point_accounts (customer_id, balance, lifetime_earned)
          SELECT id, points, points FROM p),
    e AS (INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note, actor,
                                      idempotency_key)
          SELECT id, points, points, 'MANUAL', 'bench starting balance', 'bench',
                 'bench-start-' || id
            FROM p
          RETURNING id, customer_id, points)
    INSERT INTO point_lots (customer_id, entry_id, granted, remaining)
    SELECT customer_id, id, points, points FROM e
"""

# The balance ladder (as earn.py's), held as a badge change would leave it: each badge with a
# finished re-sync, every customer in range holding it, each unlock logged (events are left
# out: nothing consumes them here, and no invariant counts them).
_LADDER = (
    """INSERT INTO badges (title, basis, min_points, max_points)
       SELECT 'BALANCE ' || i, 'BALANCE', i * $2::bigint,
              CASE WHEN i < $1::int - 1 THEN (i + 1) * $2::bigint - 1 END
         FROM generate_series(0, $1::int - 1) AS i""",
    """INSERT INTO badge_resyncs (badge_id, generation, last_customer_id, finished_at)
       SELECT id, 1, 0, now() FROM badges""",
    f"""INSERT INTO customer_badges (customer_id, badge_id, unlocked_at)
        SELECT customer_id, badge_id, now() FROM ({DUE_FROM_SCRATCH}) d""",
    """INSERT INTO badge_changes (customer_id, badge_id, change, points, cause)
       SELECT cb.customer_id, cb.badge_id, 'UNLOCKED', a.balance, 'BADGE'
         FROM customer_badges cb JOIN point_accounts a USING (customer_id)""",
)


async def seed(database_url: str, customers: int, badges: int) -> list[int]:
    """`customers` customers with their points, and a ladder of `badges` balance badges
    they hold (the last without a top), in set-based statements; their ids."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for first in range(1, customers + 1, SEED_BATCH):
            last = min(first + SEED_BATCH - 1, customers)
            await conn.execute(_SEED, first, last, LOW_POINTS, SPREAD)
            print(f"  seeded {last} customers", file=sys.stderr)
        if badges:
            async with conn.transaction():
                await conn.execute(_LADDER[0], badges, BADGE_WIDTH)
                for statement in _LADDER[1:]:
                    await conn.execute(statement)
        await conn.execute("VACUUM ANALYZE")  # as autovacuum soon would: plans as live
        return [r["id"] for r in await conn.fetch("SELECT id FROM customers ORDER BY id")]
    finally:
        await conn.close()


# --- the broker and the worker ----------------------------------------------------------------


@contextlib.contextmanager
def running_worker(database_url: str, broker_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """`tessera worker --processes 1 --threads 1`; SIGTERM and wait on the way out."""
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url, "TESSERA_BROKER_URL": broker_url}
    with tempfile.TemporaryFile() as log:
        worker = subprocess.Popen(
            cli("worker", "--processes", "1", "--threads", "1"),
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield worker
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(WORKER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)  # its own session: only our worker
                worker.wait()
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines()
            shown = [ln for ln in lines if "re-sync" in ln or "ERROR" in ln or "Error" in ln]
            if shown:
                print("--- worker ---\n" + "\n".join(shown[-20:]), file=sys.stderr)


# --- the clients: every operation's start and end, to cut any window out of them afterwards ----


@dataclass
class Spans:
    ops: list[tuple[float, float]] = field(default_factory=list)  # perf_counter start, end
    errors: list[str] = field(default_factory=list)


async def run_clients(
    execute: Execute, next_operation: NextOperation, prefix: str, clients: int, stop: asyncio.Event
) -> Spans:
    """`clients` closed-loop clients issuing operations until `stop` is set."""
    spans = Spans()

    async def client(n: int) -> None:
        rng = random.Random(f"{prefix}-{n}")
        seq = 0
        while not stop.is_set():
            seq += 1
            op = next_operation(rng, f"{prefix}-{n}-{seq}")
            t0 = time.perf_counter()
            error = await execute(n, op)
            if error is None:
                spans.ops.append((t0, time.perf_counter()))
            else:
                spans.errors.append(error)

    await asyncio.gather(*(client(n) for n in range(clients)))
    return spans


@dataclass(frozen=True)
class Window:
    """The operations of a stretch of time: those that began and ended inside it for the
    rate and the percentiles, and the longest of all those that overlapped it."""

    seconds: float
    count: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    longest_ms: float

    @classmethod
    def of(cls, spans: Spans, start: float, end: float) -> Window:
        inside = sorted(e - s for s, e in spans.ops if s >= start and e <= end)
        overlapping = [e - s for s, e in spans.ops if s < end and e > start]

        def pct(q: float) -> float:
            return inside[min(len(inside) - 1, int(q * len(inside)))] * 1000 if inside else 0.0

        seconds = end - start
        return cls(
            seconds=seconds,
            count=len(inside),
            rps=len(inside) / seconds if seconds else 0.0,
            p50_ms=pct(0.5),
            p99_ms=pct(0.99),
            max_ms=pct(1.0),
            longest_ms=max(overlapping, default=0.0) * 1000,
        )


# --- the run ---------------------------------------------------------------------------------


async def graphql(port: int, token: str, query: str, variables: dict[str, Any]) -> Any:
    headers = header_lines({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    body = orjson.dumps({"query": query, "variables": variables})
    status, raw = await http_post(port, "/graphql", body, headers)
    reply = orjson.loads(raw)
    if status != 200 or reply.get("errors"):
        raise RuntimeError(f"HTTP {status}: {raw[:500]!r}")
    return reply["data"]


async def earn_alone(
    port: int, token: str, ids: list[int], args: argparse.Namespace
) -> tuple[Window, list[str]]:
    """The earn clients for the warm-up then `args.seconds` measured; their errors."""
    stop = asyncio.Event()
    clients = asyncio.create_task(
        run_clients(api_executor(port, token), workload(ids), "alone", args.clients, stop)
    )
    start = time.perf_counter() + args.warmup
    await asyncio.sleep(args.warmup + args.seconds)
    end = time.perf_counter()
    stop.set()
    spans = await clients
    return Window.of(spans, start, end), spans.errors


@dataclass
class Change:
    mutation_ms: float
    inline_done: int
    resync: dict[str, Any]
    wall_s: float
    window: Window
    errors: list[str]


async def earn_beside_a_change(
    port: int, token: str, ids: list[int], args: argparse.Namespace
) -> Change:
    """The earn clients run; after the warm-up a badge that half the customers unlock is
    created; the window lasts from the mutation's request until its re-sync is DONE."""
    stop = asyncio.Event()
    clients = asyncio.create_task(
        run_clients(api_executor(port, token), workload(ids), "beside", args.clients, stop)
    )
    await asyncio.sleep(args.warmup)
    spec = {
        "title": "Loyal",
        "basis": "LIFETIME",
        "minPoints": LOW_POINTS + SPREAD // 2,
        "idempotencyKey": "bench-loyal",
    }
    start = time.perf_counter()
    created = (await graphql(port, token, CREATE_BADGE, {"input": spec}))["createBadge"]
    mutation_ms = (time.perf_counter() - start) * 1000
    if created["userErrors"]:
        raise RuntimeError(f"createBadge refused: {created['userErrors']}")
    badge_id = created["badge"]["id"]
    inline_done = created["badge"]["resync"]["customersDone"]
    print(
        f"  createBadge answered in {mutation_ms:.0f} ms, {inline_done} customers re-synced "
        "in the request; the worker goes on",
        file=sys.stderr,
    )
    while True:
        found = await graphql(port, token, RESYNCS, {})
        [resync] = [b["resync"] for b in found["badges"] if b["id"] == badge_id]
        if resync["status"] == "DONE":
            break
        await asyncio.sleep(POLL_S)
    end = time.perf_counter()
    stop.set()
    spans = await clients
    return Change(
        mutation_ms, inline_done, resync, end - start, Window.of(spans, start, end), spans.errors
    )


# What a badge change did before re-syncs were chunked (revision 0014's update_badge): one
# transaction holding SHARE on point_accounts while every customer is re-synced at once.
_LOCKED_DEACTIVATION = (
    "LOCK TABLE badges IN SHARE ROW EXCLUSIVE MODE",
    "LOCK TABLE point_accounts IN SHARE MODE",
    "UPDATE badges SET active = false, updated_at = now() WHERE id = $1",
    "SELECT lost FROM sync_badges(NULL, $1, 'BADGE')",
)


@dataclass
class LockedChange:
    seconds: float
    lost: int
    window: Window
    errors: list[str]


async def earn_beside_a_locked_change(
    database_url: str, port: int, token: str, ids: list[int], args: argparse.Namespace
) -> LockedChange:
    """For comparison: the earn clients run while the badge is deactivated the way changes
    were made before, under a SHARE lock on every balance (its holders lose it)."""
    stop = asyncio.Event()
    clients = asyncio.create_task(
        run_clients(api_executor(port, token), workload(ids), "locked", args.clients, stop)
    )
    await asyncio.sleep(args.warmup)
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        badge_id = await conn.fetchval("SELECT id FROM badges WHERE title = 'Loyal'")
        start = time.perf_counter()
        async with conn.transaction():
            for statement in _LOCKED_DEACTIVATION[:-1]:
                await conn.execute(statement, *([badge_id] if "$1" in statement else []))
            lost = await conn.fetchval(_LOCKED_DEACTIVATION[-1], badge_id)
        end = time.perf_counter()
    finally:
        await conn.close()
    stop.set()
    spans = await clients
    return LockedChange(end - start, lost, Window.of(spans, start, end), spans.errors)


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    print(f"seeding {args.customers} customers and {args.badges} badges", file=sys.stderr)
    ids = await seed(database_url, args.customers, args.badges)
    seed_s = time.perf_counter() - t0
    print(f"seeded in {seed_s:.1f}s", file=sys.stderr)
    port = free_port()
    with own_broker() as broker_url:
        os.environ["TESSERA_BROKER_URL"] = broker_url  # the server's handover sends there
        os.environ["TESSERA_BADGE_RESYNC_INLINE_S"] = str(args.inline_s)
        async with aiohttp.ClientSession() as session:
            with (
                running_server(database_url, port) as server,
                running_worker(database_url, broker_url),
            ):
                await wait_healthy(session, f"http://127.0.0.1:{port}", server)
                token = await asyncio.to_thread(create_token, database_url)
                alone, alone_errors = await earn_alone(port, token, ids, args)
                change = await earn_beside_a_change(port, token, ids, args)
                locked = (
                    await earn_beside_a_locked_change(database_url, port, token, ids, args)
                    if args.locked
                    else None
                )
    engine = create_engine(database_url, pool_size=1)
    try:
        violations = await audit(engine)
    finally:
        await engine.dispose()
    errors = alone_errors + change.errors + (locked.errors if locked else [])
    return report(args, seed_s, alone, change, locked, errors, violations)


def report(
    args: argparse.Namespace,
    seed_s: float,
    alone: Window,
    change: Change,
    locked: LockedChange | None,
    errors: list[str],
    violations: list[str],
) -> dict[str, Any]:
    beside = change.window
    # The client's monotonic clock, from the request to the poll that saw DONE (0.2 s apart):
    # the database's timestamps follow the wall clock, which this machine adjusts.
    resync_s = change.wall_s
    ratio = beside.rps / alone.rps if alone.rps else 0.0
    print(
        f"\nbadge re-sync bench: {args.customers} customers, {args.clients} clients, "
        f"{args.badges} balance badges; earn alone for {args.seconds:g}s, then beside "
        f"createBadge (LIFETIME {LOW_POINTS + SPREAD // 2}+) until its re-sync was done"
    )
    print(
        f"{'':<26}{'seconds':>9}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    )
    rows = [("earn alone", alone), ("earn beside the re-sync", beside)]
    if locked:
        rows.append(("earn beside a locked one", locked.window))
    for label, w in rows:
        print(
            f"{label:<26}{w.seconds:>9.1f}{w.count:>10}{w.rps:>9.1f}{w.p50_ms:>9.2f}"
            f"{w.p99_ms:>9.2f}{w.max_ms:>9.2f}"
        )
    print(f"ratio beside/alone (req/s): {ratio:.3f}")
    print(
        f"re-sync: {change.resync['customersDone']} customers, "
        f"{change.resync['unlockedCount']} unlocked, {resync_s:.1f}s from the request to "
        f"DONE; createBadge answered in {change.mutation_ms:.0f} ms after "
        f"{change.inline_done} customers"
    )
    print(f"longest balance write during the re-sync: {beside.longest_ms:.0f} ms")
    figures: dict[str, Any] = {}
    if locked:
        print(
            f"for comparison, deactivating it as changes were made before (SHARE lock on "
            f"point_accounts, one transaction): {locked.lost} lost in {locked.seconds:.1f}s, "
            f"earn ratio {locked.window.rps / alone.rps:.3f}, longest balance write "
            f"{locked.window.longest_ms:.0f} ms"
        )
        figures = {
            "locked_s": round(locked.seconds, 2),
            "locked_rps": round(locked.window.rps, 1),
            "locked_ratio": round(locked.window.rps / alone.rps if alone.rps else 0.0, 3),
            "locked_longest_write_ms": round(locked.window.longest_ms, 1),
        }
    print(f"seeding: {seed_s:.1f}s; errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    print(f"invariant violations (ledger, vouchers, badges): {len(violations)}")
    for violation in violations[:10]:
        print(f"  {violation}")
    return {
        "bench": "badge_resync",
        "customers": args.customers,
        "clients": args.clients,
        "badges": args.badges,
        "alone_rps": round(alone.rps, 1),
        "alone_p50_ms": round(alone.p50_ms, 2),
        "alone_p99_ms": round(alone.p99_ms, 2),
        "alone_max_ms": round(alone.max_ms, 2),
        "beside_rps": round(beside.rps, 1),
        "beside_p50_ms": round(beside.p50_ms, 2),
        "beside_p99_ms": round(beside.p99_ms, 2),
        "beside_max_ms": round(beside.max_ms, 2),
        "ratio": round(ratio, 3),
        "resync_s": round(resync_s, 2),
        "resync_customers": change.resync["customersDone"],
        "resync_unlocked": change.resync["unlockedCount"],
        "longest_write_ms": round(beside.longest_ms, 1),
        "mutation_ms": round(change.mutation_ms, 1),
        "inline_customers": change.inline_done,
        **figures,
        "seed_s": round(seed_s, 1),
        "errors": len(errors),
        "violations": len(violations),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=32, help="concurrent earn clients")
    parser.add_argument("--seconds", type=float, default=20.0, help="earn alone, measured")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--badges", type=int, default=5, help="balance badges held; 0: none")
    parser.add_argument(
        "--inline-s",
        type=float,
        default=1.0,
        help="seconds the mutation re-syncs itself (TESSERA_BADGE_RESYNC_INLINE_S)",
    )
    parser.add_argument(
        "--locked",
        action="store_true",
        help="then also deactivate the badge as before (one transaction, SHARE lock), to compare",
    )
    args = parser.parse_args(argv)
    result = run_on_fresh_database("badge_resync", lambda url: run(url, args))
    return 0 if result["errors"] == 0 and result["violations"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
