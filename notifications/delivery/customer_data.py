"""The messages' part of a customer's data: every message queued or sent to them, with its
delivery state. An erasure suppresses the ones still waiting to be sent (QUEUED, DEFERRED),
and empties every message's personal contents (recipient address, rendered subject and
bodies, the provider's last error, which may quote the address); what was sent when, on
which channel and with which outcome stays (proof of consent-based sending).

The messages to staff rendered with the customer's facts (`rendered_for_customer_id`: a
marketer's sendTestMessage with a customer, a funnel's notifyStaff notice about her; no
messages of hers) are part of it too: the export lists them, an erasure suppresses those
still waiting and empties their contents (their recipients are staff's: they stay)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, case, func, literal, or_, text, update

from domain.data_requests.parts import ERASED, CustomerDataPart, Exported, Rows, rows_where
from domain.uow import UnitOfWork
from notifications.delivery.tables import messages

_PENDING = ("QUEUED", "DEFERRED")


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's messages (contents, recipient and delivery state), and the messages
    to staff rendered with her facts."""
    m = messages.c
    return {
        "messages": await rows_where(uow, messages, m.customer_id == customer_id),
        "messages_to_staff": await rows_where(
            uow, messages, m.rendered_for_customer_id == customer_id
        ),
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Suppress the customer's pending messages and empty every message's contents; the
    same for the messages to staff rendered with her facts, whose recipients stay."""
    m = messages.c
    pending = m.status.in_(_PENDING)
    suppressed = {
        "status": case((pending, literal("SUPPRESSED")), else_=m.status),
        "status_reason": case((pending, literal(ERASED)), else_=m.status_reason),
        "content": text("'{}'::jsonb"),
        "updated_at": func.now(),
    }
    await uow.execute(
        update(messages)
        .where(m.customer_id == customer_id)
        .values(**suppressed, recipient=ERASED, last_error=None)
    )
    await uow.execute(
        update(messages).where(m.rendered_for_customer_id == customer_id).values(**suppressed)
    )


async def messages_keyed(uow: UnitOfWork, prefixes: Sequence[str]) -> Rows:
    """The messages to no customer (staff notices) whose dedupe key starts with one of
    `prefixes` (another area's key for something about a customer)."""
    if not prefixes:
        return []
    return await rows_where(uow, messages, _keyed(prefixes))


async def empty_messages_keyed(uow: UnitOfWork, prefixes: Sequence[str]) -> None:
    """Empty the contents of those messages (their recipients are staff's: they stay)."""
    if prefixes:
        await uow.execute(
            update(messages)
            .where(_keyed(prefixes))
            .values(content=text("'{}'::jsonb"), updated_at=func.now())
        )


def _keyed(prefixes: Sequence[str]) -> ColumnElement[bool]:
    m = messages.c
    return m.customer_id.is_(None) & or_(*(func.starts_with(m.dedupe_key, p) for p in prefixes))


PART = CustomerDataPart("notifications", (messages,), export, erase)
