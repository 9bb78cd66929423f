"""Given an active funnel whose steps send a marketing email, when the engine runs it, then
each customer gets one message rendered from the template under the step run's key, handed
for sending after the batch commits; a customer without an address goes on without one, and
a template made transactional since fails the enrollment instead of sending."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import Clock, active_funnel, advance, positions
from tests.support.builtins import customer

EMAIL_FUNNEL: dict[str, Any] = {
    "name": "Email",
    "entry": {"trigger": {"campaign": {}}},
    "start": "hello",
    "steps": [{"id": "hello", "type": "sendEmail", "template": "welcome"}],
}


async def enter(engine: AsyncEngine, funnel: int, ids: list[int], clock: Clock) -> None:
    async with UnitOfWork(engine) as uow:
        await enter_ids(uow, Door(funnel, 1, "hello", EntryRule(Reentry.ONCE)), ids, clock())
        await uow.commit()


async def test_each_customer_gets_one_message_under_the_runs_key(clean_db: AsyncEngine) -> None:
    await seed_references(clean_db)
    funnel = await active_funnel(clean_db, EMAIL_FUNNEL, "email")
    ann = await customer(clean_db, "ann")
    nobody = await customer(clean_db, "nobody", email=None)
    clock, sent = Clock(), list[int]()
    await enter(clean_db, funnel, [ann, nobody], clock)

    await advance(clean_db, clock, sent=sent)
    await advance(clean_db, clock, sent=sent)  # nothing more to do

    async with clean_db.connect() as conn:
        messages = (await conn.execute(text(
            "SELECT m.id, m.customer_id, m.purpose, m.status, m.content->>'text' AS body, "
            "m.dedupe_key, e.id AS enrollment FROM messages m "
            "JOIN funnel_enrollments e ON e.customer_id = m.customer_id"))).all()  # fmt: skip
        details: dict[int, str | None] = dict((await conn.execute(text(
            "SELECT e.customer_id, r.detail->>'reason' FROM funnel_step_runs r "
            "JOIN funnel_enrollments e ON e.id = r.enrollment_id"))).all())  # fmt: skip
    assert [(m.customer_id, m.purpose, m.status, m.body) for m in messages] == [
        (ann, "MARKETING", "QUEUED", "Hi Ann")
    ]
    assert messages[0].dedupe_key == f"funnel-run:{messages[0].enrollment}:0"
    assert sent == [messages[0].id]
    assert details == {ann: None, nobody: "NO_ADDRESS"}
    assert set((await positions(clean_db, funnel)).values()) == {("COMPLETED", None)}


async def test_a_template_made_transactional_fails_the_enrollment(clean_db: AsyncEngine) -> None:
    await seed_references(clean_db)
    funnel = await active_funnel(clean_db, EMAIL_FUNNEL, "email")
    ann = await customer(clean_db, "ann")
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE message_templates SET purpose = 'TRANSACTIONAL'"))
    clock, sent = Clock(), list[int]()
    await enter(clean_db, funnel, [ann], clock)

    await advance(clean_db, clock, sent=sent)

    assert sent == []
    async with clean_db.connect() as conn:
        row = (await conn.execute(text(
            "SELECT status, exit_reason FROM funnel_enrollments"))).one()  # fmt: skip
    assert tuple(row) == ("FAILED", "TEMPLATE_UNAVAILABLE")
