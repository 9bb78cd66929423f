"""Creating messages: once per dedupe key, whoever asks and however often."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.uow import UnitOfWork
from notifications.delivery.models import Message, NewMessage, message_from
from notifications.delivery.tables import messages


@dataclass(frozen=True)
class Queued:
    message: Message
    created: bool  # False: a message with this dedupe key existed (this call added nothing)


async def queue_message(uow: UnitOfWork, new: NewMessage) -> Queued:
    """Create the message, QUEUED (or as it was, when its dedupe key is taken: a redelivered
    event, two dispatchers at once, the same event raised twice never make a second one)."""
    return await run(uow, QueueMessage(new))


@dataclass(frozen=True)
class QueueMessage(Command[Queued]):
    """An insert that does nothing on a taken key, then the row under that key."""

    new: NewMessage

    async def handle(self, uow: UnitOfWork) -> Queued:
        new = self.new
        values = {
            "dedupe_key": new.dedupe_key,
            "customer_id": new.customer_id,
            "channel": new.channel.value,
            "purpose": new.purpose.value,
            "recipient": new.recipient,
            "content": dict(new.content),
            "template_id": new.template_id,
            "template_version": new.template_version,
            "not_before": new.not_before,
        }
        inserted = (
            await uow.execute(
                insert(messages)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["dedupe_key"])
                .returning(messages)
            )
        ).one_or_none()
        if inserted is not None:
            return Queued(message_from(inserted), created=True)
        existing = (
            await uow.execute(select(messages).where(messages.c.dedupe_key == new.dedupe_key))
        ).one()
        return Queued(message_from(existing), created=False)


async def message_by_dedupe_key(uow: UnitOfWork, dedupe_key: str) -> Message | None:
    """The message made under this dedupe key, if any."""
    async with uow:
        row = (
            await uow.execute(select(messages).where(messages.c.dedupe_key == dedupe_key))
        ).one_or_none()
    return None if row is None else message_from(row)
