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


async def test_each_customer_reaching_the_step_is_one_notice_per_address(
    clean_db: AsyncEngine,
) -> None:
    for email, kinds in (("manager@shop.example", ("FUNNEL_STEP",)),
                         ("finance@shop.example", ("GIFT_RUN_FINISHED",))):  # fmt: skip
        await add_recipient(UnitOfWork(clean_db), RecipientSpec(email, kinds), email)
    funnel = await active_funnel(clean_db, {
        "name": "VIP watch",
        "entry": {"trigger": {"campaign": {}}},
        "start": "tell",
        "steps": [{"id": "tell", "type": "notifyStaff",
                   "subject": "Call [first_name]",
                   "message": "[first_name] has [points] points."}],
    }, "vip")  # fmt: skip
    ann = await customer(clean_db, "ann")
    await purchase(clean_db, ann, "o-1", 12300)
    clock, sent = Clock(), list[int]()
    async with UnitOfWork(clean_db) as uow:
        await enter_ids(uow, Door(funnel, 1, "tell", EntryRule(Reentry.ONCE)), [ann], clock())
        await uow.commit()

    await advance(clean_db, clock, sent=sent)
    await advance(clean_db, clock, sent=sent)

    async with clean_db.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT id, recipient, purpose, content->>'subject' AS subject, "
            "content->>'text' AS body FROM messages"))).all()  # fmt: skip
    assert [(r.recipient, r.purpose, r.subject) for r in rows] == [
        ("manager@shop.example", "TRANSACTIONAL", "Call Ann")
    ]
    assert rows[0].body.startswith("Ann has 123 points.")
    assert f"'VIP watch', step 'tell', customer {ann}" in rows[0].body
    assert sent == [rows[0].id]
    assert await positions(clean_db, funnel) == {ann: ("COMPLETED", None)}
