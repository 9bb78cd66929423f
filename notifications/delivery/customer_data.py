"""The messages' part of a customer's data: every message queued or sent to them, with its
delivery state. An erasure suppresses the ones still waiting to be sent (QUEUED, DEFERRED),
and empties every message's personal contents (recipient address, rendered subject and
bodies, the provider's last error, which may quote the address); what was sent when, on
which channel and with which outcome stays (proof of consent-based sending)."""

from __future__ import annotations

from sqlalchemy import case, func, literal, text, update

from domain.data_requests.parts import ERASED, CustomerDataPart, Exported, rows_where
from domain.uow import UnitOfWork
from notifications.delivery.tables import messages

_PENDING = ("QUEUED", "DEFERRED")


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's messages (contents, recipient and delivery state)."""
    return {"messages": await rows_where(uow, messages, messages.c.customer_id == customer_id)}


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Suppress the customer's pending messages and empty every message's contents."""
    pending = messages.c.status.in_(_PENDING)
    await uow.execute(
        update(messages)
        .where(messages.c.customer_id == customer_id)
        .values(
            status=case((pending, literal("SUPPRESSED")), else_=messages.c.status),
            status_reason=case((pending, literal(ERASED)), else_=messages.c.status_reason),
            recipient=ERASED,
            content=text("'{}'::jsonb"),
            last_error=None,
            updated_at=func.now(),
        )
    )


PART = CustomerDataPart("notifications", (messages,), export, erase)
