"""Given customers entering a funnel from a campaign's segment and from events at the same
moment, when the two entries race for the same customers, then each customer enters once:
the plain insert that meets the other's rows fails whole in its savepoint and runs again
passing over them, and the re-entry rule holds for the big and the small selection alike."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.sql import existing_customers
from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids, enter_selected
from funnels.engine.models import Status
from tests.funnels.engine.support import START, active_funnel, customers
from tests.funnels.engine.test_advancing import routing


async def entries(engine: AsyncEngine, funnel: int) -> dict[int, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT customer_id, count(*) AS n FROM funnel_enrollments"
                 " WHERE funnel_id = :f GROUP BY customer_id"),
            {"f": funnel},
        )  # fmt: skip
        return {r.customer_id: r.n for r in rows}


async def test_a_campaign_and_events_entering_the_same_customers_at_once_enter_each_once(
    clean_db: AsyncEngine,
) -> None:
    funnel = await active_funnel(clean_db, routing(), "race-entry")
    ids = await customers(clean_db, 6)
    door = Door(funnel, 1, "wait_day", EntryRule(Reentry.ONCE))
    async with UnitOfWork(clean_db) as campaign:
        assert await enter_selected(campaign, door, existing_customers(ids), START) == 6

        async def events() -> int:
            async with UnitOfWork(clean_db) as uow:
                entered = await enter_ids(uow, door, ids[3:], START)
                await uow.commit()
                return entered

        racing = asyncio.create_task(events())
        await asyncio.sleep(0.3)  # the events' insert waits on the campaign's rows
        assert not racing.done()
        await campaign.commit()
    assert await racing == 0
    assert await entries(clean_db, funnel) == {cid: 1 for cid in ids}


async def test_the_reentry_rule_reads_the_latest_enrollment_for_big_and_small_selections(
    clean_db: AsyncEngine,
) -> None:
    funnel = await active_funnel(clean_db, routing(), "reentry-paths")
    ids = await customers(clean_db, 4)
    door = Door(funnel, 1, "wait_day", EntryRule(Reentry.WHEN_NOT_INSIDE))
    async with UnitOfWork(clean_db) as uow:
        assert await enter_selected(uow, door, existing_customers(ids), START) == 4
        await uow.execute(
            text("UPDATE funnel_enrollments SET status = :s, step_id = NULL, due_at = NULL"
                 " WHERE customer_id = ANY(:ids)"),
            {"s": Status.COMPLETED.value, "ids": ids[:2]},
        )  # fmt: skip
        # The first two have left: both paths let them in again, and only them.
        assert await enter_selected(uow, door, existing_customers(ids), START) == 2
        assert await enter_ids(uow, door, ids, START) == 0
        await uow.commit()
    assert await entries(clean_db, funnel) == {ids[0]: 2, ids[1]: 2, ids[2]: 1, ids[3]: 1}
