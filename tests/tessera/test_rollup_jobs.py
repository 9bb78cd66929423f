"""The rollup job as it runs in production: the `roll_up_ledger` actor on a real worker
(twice: the first run takes the pending watermarks, the second rolls up to them; the
ledger's rollups, the cohorts' and the ROI's) and `tessera rollup-ledger` on demand (the
top products' too)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import ModuleType

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.services import adjust_points
from domain.uow import UnitOfWork
from tests.support.ledger import assert_ledger_sound
from tests.support.purchases_sql import Line, add_purchase
from tests.support.reports import new_customer
from tests.tessera.test_cli import tessera
from tests.tessera.test_worker import actors, run_worker_until_idle

__all__ = ["actors"]  # the fixture


async def rolled_entries(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(text("SELECT COALESCE(sum(entries), 0) FROM ledger_rollups"))
        return int(found.scalar_one())


async def cohort_points(engine: AsyncEngine) -> tuple[int, int]:
    """(points earned, buyers) in the cohorts' rollups."""
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT COALESCE(sum(earned), 0), COALESCE(sum(buyers), 0) FROM cohort_activity")
        )
        earned, buyers = found.one()
        return int(earned), int(buyers)


async def roi_revenue(engine: AsyncEngine) -> int:
    """Member revenue in the ROI's rollups."""
    async with engine.connect() as conn:
        found = await conn.execute(text("SELECT COALESCE(sum(revenue_minor), 0) FROM roi_days"))
        return int(found.scalar_one())


async def credit(engine: AsyncEngine, customer_id: int, key: str) -> None:
    await adjust_points(UnitOfWork(engine), str(customer_id), 10, "gift", key, "test")


async def test_the_actor_rolls_up_on_its_second_run(
    clean_db: AsyncEngine, actors: ModuleType
) -> None:
    # Given three credits
    ann = await new_customer(clean_db, "ann")
    for n in range(3):
        await credit(clean_db, ann, f"k{n}")
    await add_purchase(clean_db, ann, datetime.now(UTC), 2_500)  # and an order
    # When the worker runs the actor, then it takes the watermark and rolls up nothing yet
    await asyncio.to_thread(run_worker_until_idle, actors, actors.roll_up_ledger.send())
    assert await rolled_entries(clean_db) == 0
    # And a minute later the next run rolls up all three
    await asyncio.to_thread(run_worker_until_idle, actors, actors.roll_up_ledger.send())
    assert await rolled_entries(clean_db) == 3
    # The cohorts' rollups too (a MANUAL credit is earned; no purchase: no buyer)
    assert await cohort_points(clean_db) == (30, 1)
    assert await roi_revenue(clean_db) == 2_500  # and the ROI's
    await assert_ledger_sound(clean_db)


async def test_the_command_rolls_up_everything_written_before_it(
    database_url: str, clean_db: AsyncEngine
) -> None:
    ann = await new_customer(clean_db, "ann")
    for n in range(4):
        await credit(clean_db, ann, f"k{n}")
    await add_purchase(clean_db, ann, datetime.now(UTC), 1_500)
    done = await tessera(database_url, "rollup-ledger")
    assert done.returncode == 0, done.stderr
    assert "4 entries rolled up in 1 batch(es)" in done.stdout
    assert await rolled_entries(clean_db) == 4
    assert "cohorts: 4 entries and 1 made purchases rolled up" in done.stdout
    assert "ROI: the days of 1 made orders and refunds recomputed" in done.stdout
    assert await roi_revenue(clean_db) == 1_500
    assert "card types: the cards of 0 customer(s) counted" in done.stdout
    assert "top products: 1 day(s) recomputed" in done.stdout
    assert await cohort_points(clean_db) == (40, 1)
    again = await tessera(database_url, "rollup-ledger")
    assert "0 entries rolled up" in again.stdout
    assert "cohorts: 0 entries and 0 made purchases rolled up" in again.stdout
    assert "ROI: the days of 0 made orders and refunds recomputed" in again.stdout
    await assert_ledger_sound(clean_db)


async def test_the_command_rolls_up_the_top_products(
    database_url: str, clean_db: AsyncEngine
) -> None:
    # Given an order with two lines on one day
    ann = await new_customer(clean_db, "ann")
    lines = [Line("BEANS", 2, 1_500, "coffee"), Line("CUP", 1, 4_000)]
    await add_purchase(clean_db, ann, datetime(2026, 3, 3, 12, tzinfo=UTC), 7_000, lines=lines)
    # When the command runs, then that day is in the top products' rollups
    done = await tessera(database_url, "rollup-ledger")
    assert done.returncode == 0, done.stderr
    assert "top products: 1 day(s) recomputed" in done.stdout
    async with clean_db.connect() as conn:
        found = await conn.execute(
            text("SELECT grouping, key, revenue_minor FROM product_days ORDER BY 1, 2")
        )
        assert [tuple(r) for r in found] == [
            ("PRODUCT_LINE", "", 4_000),
            ("PRODUCT_LINE", "coffee", 3_000),
            ("SKU", "BEANS", 3_000),
            ("SKU", "CUP", 4_000),
        ]
