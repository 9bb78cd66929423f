"""Given a campaign that enters more customers than a backlog (HELP_ROUNDS rounds of batches)
and two real `tessera worker` processes, when the scheduler's run_funnels runs it, then the
run sends a helper (advance_funnels) that the other worker takes, and every step still runs
exactly once per customer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from funnels.engine.advancing import DEFAULT_BATCH
from funnels.engine.running import HELP_ROUNDS, LANES
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

CUSTOMERS = HELP_ROUNDS * LANES * DEFAULT_BATCH + DEFAULT_BATCH // 2
WAIT_S = 90.0
RUN_FOR_S = 30.0

CAMPAIGN = {
    "name": "Large campaign",
    "entry": {"trigger": {"campaign": {}}},
    "start": "mark",
    "steps": [{"id": "mark", "type": "setAttribute", "key": "reached", "value": True}],
}


@pytest.fixture
def workers(
    actors: ModuleType, workers_db: str, broker_url: str, tmp_path: Path
) -> Iterator[WorkerStarter]:
    # One message at a time each: the helper goes to the idle worker.
    with funnel_workers(actors, workers_db, broker_url, tmp_path, TESSERA_FUNNEL_HELPERS="1") as w:
        yield w


async def test_a_large_campaign_sends_a_helper_and_runs_each_step_once(
    actors: ModuleType, db: AsyncEngine, workers: WorkerStarter
) -> None:
    # Given a campaign for more customers than a backlog, and two workers
    await bare_customers_with_accounts(db, CUSTOMERS, "large")
    await active_campaign(db, CAMPAIGN, "large")
    started = [workers.start(), workers.start()]

    # When the scheduler's run_funnels runs
    actors.run_funnels.send(RUN_FOR_S)

    # Then every enrollment completes, each step once, and a helper took part
    deadline = asyncio.get_running_loop().time() + WAIT_S
    done = "SELECT count(*) FROM funnel_enrollments WHERE status = 'COMPLETED'"
    while await scalar(db, done) < CUSTOMERS:
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not completed within {WAIT_S} s: {[w.log() for w in started]}")
        await asyncio.sleep(0.2)
    runs = await scalar(db, "SELECT count(*) FROM funnel_step_runs")
    once = await scalar(db, "SELECT count(DISTINCT enrollment_id) FROM funnel_step_runs")
    reached = await scalar(
        db, "SELECT count(*) FROM customers WHERE attributes->>'reached' = 'true'"
    )
    assert (runs, once, reached) == (CUSTOMERS, CUSTOMERS, CUSTOMERS)
    while not any("a funnel helper ran" in w.log() for w in started):
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"no helper ran: {[w.log() for w in started]}")
        await asyncio.sleep(0.2)
