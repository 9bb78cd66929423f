"""The staff notices' part of a customer's data: a large adjustment's notice names the
customer (notices.reaction), in an email to staff that is no message of the customer's
(customer_id is null). The export lists those notices; an erasure empties their contents
(the staff addresses they went to stay)."""

from __future__ import annotations

from domain.data_requests.parts import CustomerDataPart, Exported
from domain.events.customer_data import event_ids_of
from domain.uow import UnitOfWork
from notifications.delivery.customer_data import empty_messages_keyed, messages_keyed
from notifications.notices.messages import dedupe_key
from notifications.notices.models import NoticeKind
from notifications.notices.reaction import ADJUSTMENT_EVENTS


async def _prefixes(uow: UnitOfWork, customer_id: int) -> list[str]:
    """The dedupe keys' beginnings of the notices about the customer's adjustments (a
    notice's key is its kind, the event's id, then the staff address)."""
    ids = await event_ids_of(uow, customer_id, ADJUSTMENT_EVENTS)
    return [dedupe_key(NoticeKind.LARGE_ADJUSTMENT, str(i), "") for i in ids]


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The staff notices naming the customer."""
    return {"staff_notices": await messages_keyed(uow, await _prefixes(uow, customer_id))}


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Empty the contents of the staff notices naming the customer."""
    await empty_messages_keyed(uow, await _prefixes(uow, customer_id))


PART = CustomerDataPart("staff_notices", (), export, erase)
