"""Given a yearly birthday gift written as a loop (wait until the birth date's anniversary,
add points, back to the wait), when the engine advances batch after batch on the birthday
itself, then the gift is posted once: back at the wait on the day it woke on, the customer
waits for the next birthday (docs/funnels-running.md, `untilDate`)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.engine.running import advance_until_idle
from funnels.engine.versions import VersionCache
from tessera.funnel_filters import CHECK_FILTER as check_filter
from tests.funnels.engine.support import RUNTIME, START, Clock, active_funnel, customers

BIRTHDAY_LOOP = {
    "name": "Yearly birthday gift",
    "entry": {"trigger": {"campaign": {}}},
    "start": "birthday",
    "steps": [
        {"id": "birthday", "type": "wait", "untilDate": {"attribute": "birthDate"},
         "next": "gift"},
        {"id": "gift", "type": "addPoints", "points": 500, "next": "birthday"},
    ],
}  # fmt: skip


async def _gifts(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT count(*) FROM ledger_entries WHERE source_type = 'funnel'")
        )
        return int(found.scalar_one())


async def test_a_birthday_loop_gives_the_gift_once_per_birthday(clean_db: AsyncEngine) -> None:
    # Given a customer (UTC) whose birthday is the clock's day, entered into the loop
    funnel = await active_funnel(clean_db, BIRTHDAY_LOOP, "birthday-loop")
    (cid,) = await customers(clean_db, 1, birth_date=date(1990, START.month, START.day))
    clock = Clock()
    async with UnitOfWork(clean_db) as uow:
        await enter_ids(uow, Door(funnel, 1, "birthday", EntryRule(Reentry.ONCE)), [cid], clock())
        await uow.commit()

    # When the engine runs a dozen batches that birthday morning
    await advance_until_idle(clean_db, VersionCache(check_filter), RUNTIME, lambda ids: None,
                             clock, max_batches=12, lanes=1)  # fmt: skip
    # Then one gift, the customer waiting for the next birthday
    assert await _gifts(clean_db) == 1
    async with clean_db.connect() as conn:
        due = (await conn.execute(
            text("SELECT due_at FROM funnel_enrollments WHERE funnel_id = :f"), {"f": funnel}
        )).scalar_one()  # fmt: skip
    assert due == START.replace(year=START.year + 1, hour=0)

    # And on that birthday the gift comes again, once
    clock.move(due - clock() + timedelta(hours=9))
    await advance_until_idle(clean_db, VersionCache(check_filter), RUNTIME, lambda ids: None,
                             clock, max_batches=12, lanes=1)  # fmt: skip
    assert await _gifts(clean_db) == 2
