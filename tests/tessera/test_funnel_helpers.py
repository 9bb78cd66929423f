"""Given a campaign that enters more customers than a backlog (HELP_ROUNDS rounds of batches)
and two real `tessera worker` processes, when the scheduler's run_funnels runs it, then the
run sends a helper (advance_funnels) that the other worker takes, and every step still runs
exactly once per customer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.services import change_status, save_funnel
from funnels.definitions.statuses import Transition
from funnels.engine.advancing import DEFAULT_BATCH
from funnels.engine.running import HELP_ROUNDS, LANES
from tessera.database import create_engine
from tessera.funnel_filters import CHECK_FILTER
from tests.support.databases import fresh_database
from tests.support.funnel_workers import bare_customers_with_accounts, funnel_workers
from tests.support.worker_processes import WorkerStarter
from tests.tessera.test_worker import actors

__all__ = ["actors"]  # the fixture, used by name

CUSTOMERS = HELP_ROUNDS * LANES * DEFAULT_BATCH + DEFAULT_BATCH // 2
WAIT_S = 90.0
RUN_FOR_S = 30.0

CAMPAIGN = {
    "name": "Large campaign",
    "entry": {"trigger": {"campaign": {}}},
    "start": "mark",
    "steps": [{"id": "mark", "type": "setAttribute", "key": "reached", "value": True}],
}


@pytest.fixture(scope="module")
async def helpers_db(postgres_server: str) -> AsyncIterator[str]:
    async with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
async def db(helpers_db: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(helpers_db, pool_size=2)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def workers(
    actors: ModuleType, helpers_db: str, broker_url: str, tmp_path: Path
) -> Iterator[WorkerStarter]:
    # One message at a time each: the helper goes to the idle worker.
    with funnel_workers(actors, helpers_db, broker_url, tmp_path, TESSERA_FUNNEL_HELPERS="1") as w:
        yield w


async def scalar(db: AsyncEngine, sql: str) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def test_a_large_campaign_sends_a_helper_and_runs_each_step_once(
    actors: ModuleType, db: AsyncEngine, workers: WorkerStarter
) -> None:
    # Given a campaign for more customers than a backlog, and two workers
    await bare_customers_with_accounts(db, CUSTOMERS, "large")
    saved = await save_funnel(UnitOfWork(db), CAMPAIGN, CHECK_FILTER, idempotency_key="large",
                              actor="test")  # fmt: skip
    await change_status(UnitOfWork(db), str(saved.funnel.id), Transition.ACTIVATE, CHECK_FILTER,
                        "test")  # fmt: skip
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
