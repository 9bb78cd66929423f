"""The RFM job as the workers and the CLI run it: given buyers, when the daily message is
taken (twice) or `tessera compute-rfm` runs, then the customers are scored, once per key."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.purchases_sql import add_purchase
from tests.support.reports import new_customer
from tests.tessera.test_cli import tessera
from tests.tessera.test_worker import actors, run_worker_until_idle

__all__ = ["actors"]  # the fixture, used by name


async def two_buyers(engine: AsyncEngine) -> None:
    for ref in ("a", "b"):
        customer = await new_customer(engine, ref)
        await add_purchase(engine, customer, datetime.now(UTC) - timedelta(days=3), 1_000)


async def runs(engine: AsyncEngine) -> list[tuple[str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT idempotency_key, customers_scored FROM rfm_runs"))
        return [(r[0], r[1]) for r in rows]


async def test_the_daily_job_scores_once_a_day(
    clean_db: AsyncEngine, actors: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    await two_buyers(clean_db)
    caplog.set_level(logging.INFO, logger="tessera.actors")
    actors.compute_rfm.send()
    message = actors.compute_rfm.send()
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    assert await runs(clean_db) == [(f"daily-{datetime.now(UTC):%Y-%m-%d}", 2)]
    assert len([m for m in caplog.messages if "scored 2 customer(s)" in m]) == 2


async def test_the_cli_scores_now(database_url: str, clean_db: AsyncEngine) -> None:
    await two_buyers(clean_db)
    done = await tessera(database_url, "compute-rfm", "--key", "by-hand")
    assert done.returncode == 0, done.stderr
    assert "2 customer(s) scored; done" in done.stdout
    assert await runs(clean_db) == [("by-hand", 2)]
