"""Given test messages a marketer had rendered with a customer's facts (sendTestMessage with
`customerId`: sent to the marketer, no message of the customer's), when the customer's data
is exported or erased, then those messages are part of it: listed in the export, emptied
(and suppressed while waiting) on erasure, their staff recipients kept
(docs/data-protection.md)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.data_requests.services import erase_customer, export_customer_data
from domain.uow import UnitOfWork
from notifications.delivery.models import Status
from notifications.delivery.sending import get_message
from notifications.proofs import TestMessageRequest, captured_at_once, send_test_message
from tests.support.builtins import customer, email_template

NAME = "Verdi-Uniquename"


async def _test_message(engine: AsyncEngine, email: int, customer_id: int | None, key: str) -> int:
    request = TestMessageRequest(email, "marta@shop.example", key, customer_id=customer_id)
    hand_over = captured_at_once(lambda: UnitOfWork(engine))
    sent = await send_test_message(UnitOfWork(engine), request, "staff:1", hand_over)
    assert sent.message is not None
    return sent.message.id


async def _naming(engine: AsyncEngine, needle: str) -> list[int]:
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT id FROM messages WHERE content::text LIKE :n"), {"n": f"%{needle}%"}
        )
        return sorted(found.scalars())


async def test_a_test_message_rendered_for_a_customer_is_exported_and_emptied_on_erasure(
    clean_db: AsyncEngine,
) -> None:
    # Given a test email rendered with Giulia's name, and one with the sample customer's
    email = await email_template(
        clean_db, {"en-US": ("Hi [first_name] [last_name]", "You have [points] points")}
    )
    giulia = await customer(clean_db, "giulia", last_name=NAME)
    hers = await _test_message(clean_db, email, giulia, "try-1")
    sample = await _test_message(clean_db, email, None, "try-2")
    assert await _naming(clean_db, NAME) == [hers]
    # When her data is exported, then the test message is in it
    exported = await export_customer_data(UnitOfWork(clean_db), PARTS, giulia, "dpo")
    listed = exported["areas"]["notifications"]["messages_to_staff"]
    assert [row["id"] for row in listed] == [hers]
    assert NAME in str(listed)
    # When she is erased
    await erase_customer(UnitOfWork(clean_db), PARTS, giulia, "dpo", "erase-giulia")
    # Then no message still names her; the test message keeps its staff recipient and state
    assert await _naming(clean_db, NAME) == []
    emptied = await get_message(UnitOfWork(clean_db), hers)
    assert emptied is not None
    assert (emptied.content, emptied.recipient, emptied.status) == (
        {},
        "marta@shop.example",
        Status.CAPTURED,
    )
    # And the sample customer's test message is untouched
    kept = await get_message(UnitOfWork(clean_db), sample)
    assert kept is not None and kept.content["subject"] == "Hi Ann Rossi"
