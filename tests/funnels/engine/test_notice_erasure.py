"""Given a funnel's notifyStaff step told staff about Zelda (her name in the email), when
she asks for her data, then the export lists that notice; when she is erased, then no
message names her any more (the notice's contents emptied, its staff address kept)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.data_requests.services import erase_customer, export_customer_data
from domain.uow import UnitOfWork
from notifications.notices.models import RecipientSpec
from notifications.notices.recipients import add_recipient
from tests.funnels.engine.test_staff_notices import reach_the_step
from tests.support.builtins import customer


async def test_a_funnel_notify_staff_notice_naming_the_customer_is_erased_and_exported(
    clean_db: AsyncEngine,
) -> None:
    # Given a notifyStaff step told staff about Zelda, by name and email
    await add_recipient(
        UnitOfWork(clean_db), RecipientSpec("manager@shop.example", ("FUNNEL_STEP",)), "admin"
    )
    zelda = await customer(clean_db, "zelda", last_name="Quixworth")
    await reach_the_step(clean_db, zelda, [])
    async with clean_db.connect() as conn:
        before = (await conn.execute(text("SELECT content::text FROM messages"))).scalars().all()
    assert any("Zelda" in c for c in before), before  # the notice names her

    # The export lists the staff emails naming the customer (docs: staff_notices)
    exported = await export_customer_data(UnitOfWork(clean_db), PARTS, zelda, "staff:1:admin")
    notices = exported["areas"]["notifications"]["messages_to_staff"]
    assert [n["recipient"] for n in notices] == ["manager@shop.example"]
    # When she is erased
    await erase_customer(UnitOfWork(clean_db), PARTS, zelda, "staff:1:admin", "erase-z")

    # Then no message still names her (by name, email or id)
    async with clean_db.connect() as conn:
        after = (await conn.execute(text(
            "SELECT content::text FROM messages WHERE content::text ILIKE '%zelda%'"
        ))).scalars().all()  # fmt: skip
    assert after == []
