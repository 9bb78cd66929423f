"""What the tests that run funnels in real `tessera worker` processes share: a database of
the test module's own (its workers touch no other test), the workers' environment (one
message at a time each, nothing leaving the sandbox), bare customers with their balance
rows made in SQL by the thousand, and an active campaign. A module uses the fixtures by
name: `from tests.support.funnel_workers import db, workers_db`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.services import change_status, save_funnel
from funnels.definitions.statuses import Transition
from tessera.database import create_engine
from tessera.funnel_filters import CHECK_FILTER
from tests.support.databases import fresh_database
from tests.support.worker_processes import WorkerStarter, worker_processes
from tests.tessera.test_message_crash_windows import forget_dead_workers


@pytest.fixture(scope="module")
async def workers_db(postgres_server: str) -> AsyncIterator[str]:
    """A database of the test module's own."""
    async with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
async def db(workers_db: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(workers_db, pool_size=2)
    try:
        yield engine
    finally:
        await engine.dispose()


async def scalar(db: AsyncEngine, sql: str) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def active_campaign(db: AsyncEngine, definition: dict[str, Any], key: str) -> int:
    """The campaign saved and activated, as a marketer does; its id."""
    saved = await save_funnel(UnitOfWork(db), definition, CHECK_FILTER, idempotency_key=key,
                              actor="test")  # fmt: skip
    await change_status(UnitOfWork(db), str(saved.funnel.id), Transition.ACTIVATE, CHECK_FILTER,
                        "test")  # fmt: skip
    return saved.funnel.id


@contextmanager
def funnel_workers(
    actors: ModuleType, database_url: str, broker_url: str, log_dir: Path, **env: str
) -> Iterator[WorkerStarter]:
    """A starter of workers on `database_url` and `broker_url` (and `env`); the broker is
    emptied and the dead workers forgotten afterwards."""
    environment = {**os.environ, "TESSERA_DATABASE_URL": database_url,
                   "TESSERA_BROKER_URL": broker_url, **env}  # fmt: skip
    # One message at a time each (not the two a thread prefetches): the next message goes
    # to another worker.
    environment["dramatiq_queue_prefetch"] = "1"
    for name in ("TESSERA_SMTP_URL", "TESSERA_TWILIO_ACCOUNT_SID", "TESSERA_PUBLIC_URL"):
        environment.pop(name, None)  # the sandbox: nothing leaves
    try:
        with worker_processes(environment, log_dir) as starter:
            yield starter
    finally:
        actors.broker.flush_all()
        forget_dead_workers(broker_url)


async def bare_customers_with_accounts(db: AsyncEngine, count: int, prefix: str) -> None:
    """`count` customers in the default category (external refs `prefix-1`...), each with
    an empty balance row."""
    async with db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO customers (external_ref, first_name, category_id) "
                "SELECT :prefix || '-' || g, 'Customer', (SELECT id FROM point_categories "
                "WHERE is_default) FROM generate_series(1, :n) g"
            ),
            {"n": count, "prefix": prefix},
        )
        await conn.execute(
            text(
                "INSERT INTO point_accounts (customer_id) SELECT c.id FROM customers c "
                "WHERE NOT EXISTS (SELECT 1 FROM point_accounts a WHERE a.customer_id = c.id)"
            )
        )
