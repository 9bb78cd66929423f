"""Given a funnel with a notifyStaff step and staff who receive funnel notices, when the
engine runs it, then each customer's notice goes to each such address once, its subject and
message rendered with the customer's facts, saying which funnel, step and customer it is
about; staff who receive other kinds hear nothing."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from notifications.notices.models import RecipientSpec
from notifications.notices.recipients import add_recipient
from tests.funnels.engine.support import Clock, active_funnel, advance, positions
from tests.support.builtins import customer, purchase

VIP_WATCH = {
    "name": "VIP watch",
    "entry": {"trigger": {"campaign": {}}},
    "start": "tell",
    "steps": [{"id": "tell", "type": "notifyStaff", "subject": "Call [first_name]",
               "message": "[first_name] [last_name] has [points] points."}],
}  # fmt: skip


async def reach_the_step(engine: AsyncEngine, customer_id: int, sent: list[int]) -> int:
    """VIP watch made active, the customer entered, and the engine run past the notice;
    the funnel's id."""
    funnel = await active_funnel(engine, VIP_WATCH, "vip")
    clock = Clock()
    async with UnitOfWork(engine) as uow:
        door = Door(funnel, 1, "tell", EntryRule(Reentry.ONCE))
        await enter_ids(uow, door, [customer_id], clock())
        await uow.commit()
    await advance(engine, clock, sent=sent)
    await advance(engine, clock, sent=sent)
    return funnel


async def test_each_customer_reaching_the_step_is_one_notice_per_address(
    clean_db: AsyncEngine,
) -> None:
    for email, kinds in (("manager@shop.example", ("FUNNEL_STEP",)),
                         ("finance@shop.example", ("GIFT_RUN_FINISHED",))):  # fmt: skip
        await add_recipient(UnitOfWork(clean_db), RecipientSpec(email, kinds), email)
    ann = await customer(clean_db, "ann", last_name="Lee")
    await purchase(clean_db, ann, "o-1", 12300)
    sent = list[int]()

    funnel = await reach_the_step(clean_db, ann, sent)

    async with clean_db.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT id, recipient, purpose, content->>'subject' AS subject, "
            "content->>'text' AS body FROM messages"))).all()  # fmt: skip
    assert [(r.recipient, r.purpose, r.subject) for r in rows] == [
        ("manager@shop.example", "TRANSACTIONAL", "Call Ann")
    ]
    assert rows[0].body.startswith("Ann Lee has 123 points.")
    assert f"'VIP watch', step 'tell', customer {ann}" in rows[0].body
    assert sent == [rows[0].id]
    assert await positions(clean_db, funnel) == {ann: ("COMPLETED", None)}
