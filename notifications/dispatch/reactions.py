"""What the dispatcher asks of whoever makes messages from events (the built-in
notifications, internal notices to staff, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.events.outbox import PendingEvent
from domain.uow import UnitOfWork
from notifications.delivery.models import NewMessage


class Reaction(Protocol):
    """Makes the messages a batch of events calls for.

    Called inside the dispatcher's open transaction (read what you need through `uow`,
    a query per kind of fact for the whole batch, never one per event): the messages are
    created and the events marked done when it commits. A reaction may also write, in that
    transaction, what an event given again finds done (the funnel engine's entries, under
    their unique entry numbers, and its moves, under the enrollments' row locks). An event may be
    given again after a crash (at least once), so each message's dedupe key must name what
    it is for (`event:{event_id}:{notification}:{channel}`): the same key is never created
    twice. Events of types a reaction does not handle are ignored by it."""

    async def messages_for(
        self, uow: UnitOfWork, events: Sequence[PendingEvent]
    ) -> list[NewMessage]: ...
