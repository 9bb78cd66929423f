"""What the dispatcher asks of each reaction.

A minimal stand-in for the dispatcher's module (issue 9, another branch): only the
definition reactions are written against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.events.outbox import PendingEvent
from domain.uow import UnitOfWork
from notifications.delivery.models import NewMessage


class Reaction(Protocol):
    async def messages_for(
        self, uow: UnitOfWork, events: Sequence[PendingEvent]
    ) -> list[NewMessage]: ...
