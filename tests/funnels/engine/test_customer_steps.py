"""Given a funnel that sets a category and a custom attribute, when the engine runs it, then
each customer's category is the step's (set by hand, with a CategoryChanged event) and the
attribute holds the step's value; null removes it."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import Clock, active_funnel, advance
from tests.support.builtins import customer


async def test_category_and_attributes_are_set_for_the_batch(clean_db: AsyncEngine) -> None:
    await seed_references(clean_db)  # the Premium category
    funnel = await active_funnel(clean_db, {
        "name": "Upgrade",
        "entry": {"trigger": {"campaign": {}}},
        "start": "premium",
        "steps": [
            {"id": "premium", "type": "setCategory", "category": "Premium", "next": "mark"},
            {"id": "mark", "type": "setAttribute", "key": "vip", "value": True, "next": "drop"},
            {"id": "drop", "type": "setAttribute", "key": "old", "value": None},
        ],
    }, "upgrade")  # fmt: skip
    ann = await customer(clean_db, "ann", attributes={"old": 1, "keep": "x"})
    bob = await customer(clean_db, "bob")
    clock = Clock()
    async with UnitOfWork(clean_db) as uow:
        door = Door(funnel, 1, "premium", EntryRule(Reentry.ONCE))
        await enter_ids(uow, door, [ann, bob], clock())
        await uow.commit()

    await advance(clean_db, clock)

    async with clean_db.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT c.id, pc.name, c.category_manual, c.attributes FROM customers c "
            "JOIN point_categories pc ON pc.id = c.category_id ORDER BY c.id"))).all()  # fmt: skip
        changed = (await conn.execute(text(
            "SELECT count(*) FROM domain_events "
            "WHERE type = 'CategoryChanged'"))).scalar()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        (ann, "Premium", True, {"keep": "x", "vip": True}),
        (bob, "Premium", True, {"vip": True}),
    ]
    assert changed == 2
