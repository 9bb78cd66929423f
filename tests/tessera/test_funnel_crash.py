"""Given an active campaign of two points steps around an attribute step, when two real
`tessera worker` processes run it and one is killed with SIGKILL in the middle of its batch
(its points already posted in the transaction, its step runs not yet), then every step ran
exactly once per customer: an independent SQL count of the ledger finds each customer's
two entries and no other, the step runs are three a customer, and the ledger's invariants
hold.

The batches are held mid-way by a trigger on the step runs' insert that waits on an advisory
lock the test holds; both workers' first batches wait there (the first worker's two lanes
each hold one), one worker is killed, the lock is released, and the survivor (the funnels'
run loop) finishes its batch and then takes the killed worker's, whose transactions rolled
back whole."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import ModuleType

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from funnels.engine.advancing import DEFAULT_BATCH
from funnels.engine.running import LANES
from tessera.database import asyncpg_dsn
from tests.support.funnel_workers import (
    active_campaign,
    bare_customers_with_accounts,
    db,
    funnel_workers,
    scalar,
    workers_db,
)
from tests.support.worker_processes import WorkerStarter
from tests.tessera.test_worker import actors

__all__ = ["actors", "db", "workers_db"]  # the fixtures, used by name

# A worker advances LANES batches (of DEFAULT_BATCH) at once: the first takes LANES full
# batches, the second the half batch left.
CUSTOMERS = LANES * DEFAULT_BATCH + DEFAULT_BATCH // 2
PAUSE_LOCK = 710_009_002
WAIT_S = 60.0
RUN_FOR_S = 20.0

PAUSE_RUNS = f"""
CREATE FUNCTION funnel_crash_pause() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({PAUSE_LOCK});  -- waits while the test holds the lock
    RETURN NULL;
END $$;
CREATE TRIGGER funnel_crash_pause BEFORE INSERT ON funnel_step_runs
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_crash_pause();
"""
WAITING = f"""SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = {PAUSE_LOCK}"""

CAMPAIGN = {
    "name": "Crash campaign",
    "entry": {"trigger": {"campaign": {}}},
    "start": "first",
    "steps": [
        {"id": "first", "type": "addPoints", "points": 10, "next": "mark"},
        {"id": "mark", "type": "setAttribute", "key": "crash", "value": True, "next": "second"},
        {"id": "second", "type": "addPoints", "points": 5},
    ],
}


@pytest.fixture
def workers(
    actors: ModuleType, workers_db: str, broker_url: str, tmp_path: Path
) -> Iterator[WorkerStarter]:
    # One message at a time each: the second run_funnels goes to the other worker.
    with funnel_workers(actors, workers_db, broker_url, tmp_path) as starter:
        yield starter


async def seed(db: AsyncEngine) -> None:
    await bare_customers_with_accounts(db, CUSTOMERS, "crash")
    await active_campaign(db, CAMPAIGN, "crash")


async def wait_until(what: str, check: Callable[[], Awaitable[bool]]) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not within {WAIT_S} s: {what}")
        await asyncio.sleep(0.1)


async def test_a_worker_killed_mid_batch_leaves_every_step_run_once(
    actors: ModuleType, db: AsyncEngine, workers_db: str, workers: WorkerStarter
) -> None:
    await seed(db)
    pause = await asyncpg.connect(asyncpg_dsn(workers_db))
    try:
        await pause.execute(PAUSE_RUNS)
        await pause.execute("SELECT pg_advisory_lock($1)", PAUSE_LOCK)
        started = [workers.start(), workers.start()]
        # Given both workers in the middle of their batches: points posted, step runs waiting
        for held in (LANES, LANES + 1):
            actors.run_funnels.send(RUN_FOR_S)

            async def paused(held: int = held) -> bool:
                return await scalar(db, WAITING) == held

            await wait_until(f"{held} worker(s) held mid-batch", paused)

        # When one is killed there (kill -9), then the other lets go
        started[0].kill()
        survivor = started[1]
    finally:
        await pause.close()  # the lock ends with the session: the survivor goes on

    # Then every enrollment completes, each step once
    async def all_done() -> bool:
        done = "SELECT count(*) FROM funnel_enrollments WHERE status = 'COMPLETED'"
        return await scalar(db, done) == CUSTOMERS

    await wait_until("every enrollment completed", all_done)
    entries = await scalar(db, "SELECT count(*) FROM ledger_entries WHERE source_type = 'funnel'")
    wrong_totals = await scalar(
        db,
        "SELECT count(*) FROM (SELECT customer_id, sum(points) AS s, count(*) AS n "
        "FROM ledger_entries WHERE source_type = 'funnel' GROUP BY customer_id) t "
        "WHERE s <> 15 OR n <> 2",
    )
    balances = await scalar(db, "SELECT count(*) FROM point_accounts WHERE balance <> 15")
    runs = await scalar(db, "SELECT count(*) FROM funnel_step_runs")
    marked = await scalar(db, "SELECT count(*) FROM customers WHERE attributes->>'crash' = 'true'")
    assert (entries, wrong_totals, balances) == (2 * CUSTOMERS, 0, 0), survivor.log()
    assert (runs, marked) == (3 * CUSTOMERS, CUSTOMERS)
    async with db.connect() as conn:
        assert await find_violations(conn) == []
    survivor.kill()
