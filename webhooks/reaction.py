"""The webhooks as one of the dispatcher's reactions (notifications/dispatch): the
deliveries of a batch of events are written in the transaction that marks the batch
dispatched, so an event is done exactly when its deliveries exist."""

from __future__ import annotations

from collections.abc import Sequence

from domain.events.outbox import PendingEvent
from domain.uow import UnitOfWork
from domain.webhooks.deliveries import add_deliveries
from notifications.delivery.models import NewMessage


class Webhooks:
    """Writes a delivery of each event to each active subscription that chose its type (no
    message: the sender posts deliveries, see webhooks/sending.py)."""

    async def messages_for(
        self, uow: UnitOfWork, events: Sequence[PendingEvent]
    ) -> list[NewMessage]:
        await add_deliveries(uow, events)
        return []
