"""Reports on a large ledger: report totals (all time and a month), the monthly flow, the
daily flow of a month in a half-hour time zone, the monthly liability history and filtered
movement pages over HTTP, each next to the plain SQL aggregate or page answering the same
question, measured in the same run on the same database. The totals, flows and liability
are read from the ledger's rollups, which the bench builds after seeding (timed) as
`tessera rollup-ledger` does, then writes a tail of entries the job has not rolled up.

    .venv/bin/python bench/reports.py [--customers 200000] [--entries 5000000] [--repeat 5]
                                      [--explain]

The PostgreSQL server is TESSERA_DATABASE_URL's, else one on 127.0.0.1:5432, else an
embedded one started for the run. The bench creates its own database there, migrates it,
seeds it in SQL (bench/reports_seed.py), serves it with `tessera serve --workers 2` as a
user would, and drops it at the end. The last line printed is one JSON object with the
figures (see bench/README.md)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
import asyncpg

from domain.ledger.invariants import find_violations
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
from reports_explain import explain_reports
from reports_seed import START, seed
from tessera.database import SESSION_SETTINGS, asyncpg_dsn, create_engine

MONTH = (datetime.fromisoformat("2026-03-01T00:00Z"), datetime.fromisoformat("2026-04-01T00:00Z"))
YEARS = (datetime.fromisoformat("2024-07-01T00:00Z"), datetime.fromisoformat("2026-07-01T00:00Z"))
PAGE = 50
CUSTOMER = 4242

TOTALS = """query($since: DateTime, $until: DateTime) { reportTotals(since: $since,
  until: $until) { balance operations pointsMoved averagePoints earned takenBack spent
  expired other net } }"""
FLOW = """query($since: DateTime!, $until: DateTime!, $granularity: ReportGranularity!,
  $timeZone: String!) { pointsFlow(since: $since, until: $until, granularity: $granularity,
  timeZone: $timeZone) { startsAt earned takenBack spent expired other net operations } }"""
LIABILITY = """query($since: DateTime!, $until: DateTime!) { liabilityHistory(since: $since,
  until: $until, granularity: MONTH) { startsAt at balance valueMinor } }"""
KOLKATA = "Asia/Kolkata"  # UTC+5:30: each local midnight cuts an hour of the rollups
MOVEMENTS = """query($first: Int, $filter: LedgerMovementFilter) {
  ledgerMovements(first: $first, filter: $filter) { nodes { id entry { id createdAt kind
  points balanceAfter note sourceType source } customer { id externalRef } } } }"""

# The plain SQL giving the same figures: the aggregates group by kind and direction as the
# API's do (without classifying reversals apart), and the totals read the balance at the
# period's end the same way (today's total less what moved since).
SQL_TOTALS = """SELECT kind, points > 0, sum(points), count(*) AS entries, sum(abs(points)),
       (SELECT sum(balance) FROM point_accounts) {later} AS balance
  FROM ledger_entries {where} GROUP BY 1, 2"""
LATER = "- (SELECT sum(points) FROM ledger_entries WHERE created_at >= $2)"
SQL_FLOW = """SELECT date_trunc('{unit}', created_at AT TIME ZONE '{zone}'), kind, points > 0,
       sum(points), count(*) AS entries, sum(abs(points))
  FROM ledger_entries WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2, 3"""
# The balance at the end of each month: every entry before it, added up month by month.
SQL_LIABILITY = """SELECT month, sum(sum(points)) OVER (ORDER BY month) AS balance
  FROM (SELECT date_trunc('month', created_at AT TIME ZONE 'UTC') AS month, points
          FROM ledger_entries WHERE created_at < $1) e
 GROUP BY month ORDER BY month"""
SQL_PAGE = """SELECT id, customer_id, points, balance_after, kind, note, source_type,
       source_ref, actor, reverses_entry_id, created_at
  FROM ledger_entries WHERE {where} ORDER BY created_at DESC, id DESC LIMIT {limit}"""


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _entries(rows: Sequence[asyncpg.Record]) -> int:
    return sum(int(row["entries"]) for row in rows)


def _totals(rows: Sequence[asyncpg.Record]) -> tuple[int, int]:
    return _entries(rows), int(rows[0]["balance"])


def _api_totals(data: dict[str, Any]) -> tuple[int, int]:
    return data["reportTotals"]["operations"], data["reportTotals"]["balance"]


def _page(rows: Sequence[asyncpg.Record]) -> int:
    return min(len(rows), PAGE)  # the API, too, reads one row more to know if more follow


@dataclass
class Case:
    """One report over HTTP and its plain SQL, and what each answer counts (entries, the
    balance, page rows): they must agree."""

    name: str
    query: str
    variables: dict[str, Any]
    sql: str
    sql_args: tuple[Any, ...]
    api_count: Callable[[dict[str, Any]], object]
    sql_count: Callable[[Sequence[asyncpg.Record]], object]
    api_s: list[float] = field(default_factory=list)
    sql_s: list[float] = field(default_factory=list)


def cases() -> list[Case]:
    month = {"since": _iso(MONTH[0]), "until": _iso(MONTH[1])}
    refunds = {"kinds": ["REFUND"], **month}
    return [
        Case(
            "totals, all time",
            TOTALS,
            {},
            SQL_TOTALS.format(later="", where=""),
            (),
            _api_totals,
            _totals,
        ),
        Case(
            "totals, March 2026",
            TOTALS,
            month,
            SQL_TOTALS.format(later=LATER, where="WHERE created_at >= $1 AND created_at < $2"),
            MONTH,
            _api_totals,
            _totals,
        ),
        Case(
            "flow by month, 24 months",
            FLOW,
            {
                "since": _iso(YEARS[0]),
                "until": _iso(YEARS[1]),
                "granularity": "MONTH",
                "timeZone": "UTC",
            },
            SQL_FLOW.format(unit="month", zone="UTC"),
            YEARS,
            lambda d: sum(b["operations"] for b in d["pointsFlow"]),
            _entries,
        ),
        Case(
            "flow by day, Kolkata, March",
            FLOW,
            {**month, "granularity": "DAY", "timeZone": KOLKATA},
            SQL_FLOW.format(unit="day", zone=KOLKATA),
            MONTH,
            lambda d: sum(b["operations"] for b in d["pointsFlow"]),
            _entries,
        ),
        Case(
            "liability by month, 24 mo",
            LIABILITY,
            {"since": _iso(YEARS[0]), "until": _iso(YEARS[1])},
            SQL_LIABILITY,
            (YEARS[1],),
            lambda d: d["liabilityHistory"][-1]["balance"],
            lambda rows: int(rows[-1]["balance"]),
        ),
        Case(
            "page: one customer",
            MOVEMENTS,
            {"first": PAGE, "filter": {"customerId": str(CUSTOMER)}},
            SQL_PAGE.format(where="customer_id = $1", limit=PAGE + 1),
            (CUSTOMER,),
            lambda d: len(d["ledgerMovements"]["nodes"]),
            _page,
        ),
        Case(
            "page: REFUND, March",
            MOVEMENTS,
            {"first": PAGE, "filter": refunds},
            SQL_PAGE.format(
                where="kind = $1 AND created_at >= $2 AND created_at < $3", limit=PAGE + 1
            ),
            ("REFUND", *MONTH),
            lambda d: len(d["ledgerMovements"]["nodes"]),
            _page,
        ),
    ]


async def measure(database_url: str, all_cases: list[Case], args: argparse.Namespace) -> list[str]:
    """Time each case over HTTP, then in plain SQL, `args.repeat` times after one unmeasured
    run each; the errors (GraphQL errors, answers that disagree)."""
    errors: list[str] = []
    api_counts: dict[str, object] = {}
    port = free_port()
    async with aiohttp.ClientSession() as session:
        with running_server(database_url, port) as server:
            await wait_healthy(session, f"http://127.0.0.1:{port}", server)
            token = await asyncio.to_thread(create_token, database_url, "viewer")
            headers = header_lines(
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            )
            for case in all_cases:
                for run in range(args.repeat + 1):
                    elapsed, answer = await timed_graphql(port, case.query, case.variables, headers)
                    if answer.get("errors"):
                        errors.append(f"{case.name}: {answer['errors']}"[:300])
                        break
                    api_counts[case.name] = case.api_count(answer["data"])
                    if run:
                        case.api_s.append(elapsed)
    # The plain SQL on a connection set as Tessera's (JIT off, as the API's).
    conn = await asyncpg.connect(asyncpg_dsn(database_url), server_settings=SESSION_SETTINGS)
    try:
        for case in all_cases:
            for run in range(args.repeat + 1):
                t0 = time.perf_counter()
                rows = await conn.fetch(case.sql, *case.sql_args)
                elapsed = time.perf_counter() - t0
                if run:
                    case.sql_s.append(elapsed)
            if api_counts.get(case.name) != case.sql_count(rows):
                errors.append(
                    f"{case.name}: the API counted {api_counts.get(case.name)}, "
                    f"SQL {case.sql_count(rows)}"
                )
    finally:
        await conn.close()
    return errors


def _ms(values: list[float], how: Callable[[list[float]], float]) -> float:
    return round(how(values) * 1000, 2) if values else 0.0


def report(
    args: argparse.Namespace,
    all_cases: list[Case],
    seed_s: float,
    rollup: dict[str, Any],
    errors: list[str],
    violations: list[str],
) -> dict[str, Any]:
    print(
        f"\nreports bench: {args.entries:,} entries of {args.customers:,} customers "
        f"(seeded in {seed_s:.0f}s), each report {args.repeat} times after one warm-up run"
    )
    print(
        f"{'':<28}{'API med ms':>12}{'API max ms':>12}{'SQL med ms':>12}{'SQL max ms':>12}"
        f"{'ratio':>8}{'SQL/API':>9}"
    )
    figures: dict[str, dict[str, float]] = {}
    for case in all_cases:
        api, sql = _ms(case.api_s, statistics.median), _ms(case.sql_s, statistics.median)
        ratio = round(api / sql, 2) if sql else 0.0
        figures[case.name] = {
            "api_median_ms": api,
            "api_max_ms": _ms(case.api_s, max),
            "sql_median_ms": sql,
            "sql_max_ms": _ms(case.sql_s, max),
            "ratio": ratio,
            "speedup": round(sql / api, 1) if api else 0.0,
        }
        row = figures[case.name]
        print(
            f"{case.name:<28}{api:>12.2f}{row['api_max_ms']:>12.2f}{sql:>12.2f}"
            f"{row['sql_max_ms']:>12.2f}{ratio:>8.2f}{row['speedup']:>9.1f}"
        )
    print("ratio: API median / SQL median (the API's time includes HTTP and GraphQL, and")
    print("its aggregates classify reversals apart); SQL/API: how many times faster the API")
    print("(reading rollups) answers than the plain SQL scan")
    print(
        f"rolled up {rollup['entries']:,} entries in {rollup['batches']} batches in "
        f"{rollup['s']:.1f}s; then {TAIL:,} entries written that are not rolled up (the tail)"
    )
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    print(f"ledger invariant violations: {len(violations)}")
    for violation in violations[:10]:
        print(f"  {violation}")
    return {
        "bench": "reports",
        "customers": args.customers,
        "entries": args.entries,
        "repeat": args.repeat,
        "seed_s": round(seed_s, 1),
        "rollup": rollup,
        "reports": figures,
        "errors": len(errors),
        "violations": len(violations),
    }


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    await seed(asyncpg_dsn(database_url), args.customers, args.entries)
    seed_s = time.perf_counter() - t0
    print(f"seeded {args.entries:,} entries in {seed_s:.1f}s", file=sys.stderr)
    rollup = await roll_up(database_url)
    print(f"rolled up in {rollup['s']:.1f}s", file=sys.stderr)
    await write_tail(asyncpg_dsn(database_url))
    all_cases = cases()
    errors = await measure(database_url, all_cases, args)
    engine = create_engine(database_url, pool_size=2)
    try:
        if args.explain:
            await explain_reports(engine, MONTH, CUSTOMER, PAGE)
        violations = [] if args.skip_audit else await _violations(engine)
    finally:
        await engine.dispose()
    return report(args, all_cases, seed_s, rollup, errors, violations)


async def roll_up(database_url: str) -> dict[str, Any]:
    """Roll the seeded ledger up as `tessera rollup-ledger` does; ANALYZE the rollups (as
    autovacuum would soon) so that the planner knows their size."""
    engine = create_engine(database_url, pool_size=1)
    try:
        t0 = time.perf_counter()
        run = await roll_up_now(UnitOfWork(engine))
        async with engine.connect() as conn:
            await conn.exec_driver_sql(
                "ANALYZE ledger_rollups, ledger_hour_totals, ledger_day_totals"
            )
            counted = await conn.exec_driver_sql(
                "SELECT (SELECT count(*) FROM ledger_rollups) AS rollups, "
                "(SELECT count(*) FROM ledger_hour_totals) AS hours, "
                "(SELECT count(*) FROM ledger_day_totals) AS days"
            )
            rows = counted.mappings().one()
        return {
            "entries": run.rows,
            "batches": run.batches,
            "s": round(time.perf_counter() - t0, 1),
            "rollup_rows": rows["rollups"],
            "hour_total_rows": rows["hours"],
            "day_total_rows": rows["days"],
        }
    finally:
        await engine.dispose()


# Entries written after the job ran: credits of 1 point to the first customers, spread over
# the seed's two years, so every report adds a tail read from the entries themselves.
TAIL = 2_000
_TAIL = """
    WITH c AS (
        SELECT c AS customer_id, $2::timestamptz + (c * 7919 % 17520) * interval '1 hour'
                   + (c * 104729 % 3600) * interval '1 second' AS created_at
          FROM generate_series(1, $1::int) c),
    moved AS (UPDATE point_accounts a SET balance = balance + 1,
                     lifetime_earned = lifetime_earned + 1
                FROM c WHERE a.customer_id = c.customer_id
              RETURNING a.customer_id, a.balance),
    entries AS (INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note,
                                            actor, created_at)
                SELECT c.customer_id, 1, m.balance, 'MANUAL', 'tail', 'bench', c.created_at
                  FROM c JOIN moved m USING (customer_id)
                RETURNING id, customer_id, points, created_at)
    INSERT INTO point_lots (customer_id, entry_id, granted, remaining, created_at)
    SELECT customer_id, id, points, points, created_at FROM entries"""


async def write_tail(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(_TAIL, TAIL, START)
    finally:
        await conn.close()


async def _violations(engine: Any) -> list[str]:
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SET work_mem = '256MB'")
        found: list[str] = await find_violations(conn)
        return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="measured runs of each report")
    parser.add_argument("--explain", action="store_true", help="print the reports' plans")
    parser.add_argument(
        "--skip-audit", action="store_true", help="skip the invariant checks at the end"
    )
    args = parser.parse_args(argv)
    result = run_on_fresh_database("reports", lambda url: run(url, args))
    return 0 if result["errors"] == 0 and result["violations"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
