"""Creating messages: once per dedupe key, whoever asks and however often."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.uow import UnitOfWork
from notifications.delivery.models import Message, NewMessage, Status, message_from
from notifications.delivery.tables import messages

# Rows per INSERT statement: at 12 parameters a row, well under PostgreSQL's 32,767.
INSERT_CHUNK = 1_000


@dataclass(frozen=True)
class Queued:
    message: Message
    created: bool  # False: a message with this dedupe key existed (this call added nothing)


@dataclass(frozen=True)
class Inserted:
    """A message a batch created (its dedupe key was free)."""

    id: int
    dedupe_key: str
    status: Status


async def queue_message(uow: UnitOfWork, new: NewMessage) -> Queued:
    """Create the message, QUEUED (or as it was, when its dedupe key is taken: a redelivered
    event, two dispatchers at once, the same event raised twice never make a second one)."""
    return await run(uow, QueueMessage(new))


async def insert_messages(uow: UnitOfWork, new: Sequence[NewMessage]) -> list[Inserted]:
    """Create the messages in the open unit of work, a thousand rows per statement; those
    whose dedupe key is taken (by a committed message, or by one this very batch made
    first) are left out. Returns the messages created, in dedupe key order.

    Rows go in dedupe key order, so two transactions inserting overlapping keys wait for
    each other in one order and cannot deadlock; a key another open transaction inserted
    waits for it, then is skipped if it committed."""
    ordered = sorted({m.dedupe_key: m for m in reversed(new)}.values(), key=lambda m: m.dedupe_key)
    created: list[Inserted] = []
    for start in range(0, len(ordered), INSERT_CHUNK):
        chunk = ordered[start : start + INSERT_CHUNK]
        rows = await uow.execute(
            insert(messages)
            .values([_values(m) for m in chunk])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(messages.c.id, messages.c.dedupe_key, messages.c.status)
        )
        created.extend(Inserted(r.id, r.dedupe_key, Status(r.status)) for r in rows)
    return sorted(created, key=lambda i: i.dedupe_key)


async def queue_messages(uow: UnitOfWork, new: Sequence[NewMessage]) -> list[Inserted]:
    """`insert_messages` in a transaction of its own, committed."""
    return await run(uow, QueueMessages(tuple(new)))


def _values(new: NewMessage) -> dict[str, Any]:
    return {
        "dedupe_key": new.dedupe_key,
        "customer_id": new.customer_id,
        "channel": new.channel.value,
        "purpose": new.purpose.value,
        "recipient": new.recipient,
        "content": dict(new.content),
        "template_id": new.template_id,
        "template_version": new.template_version,
        "not_before": new.not_before,
        "status": new.status.value,
        "status_reason": new.status_reason,
        "last_error": new.last_error,
    }


@dataclass(frozen=True)
class QueueMessages(Command[list[Inserted]]):
    new: tuple[NewMessage, ...]

    async def handle(self, uow: UnitOfWork) -> list[Inserted]:
        return await insert_messages(uow, self.new)


@dataclass(frozen=True)
class QueueMessage(Command[Queued]):
    """An insert that does nothing on a taken key, then the row under that key."""

    new: NewMessage

    async def handle(self, uow: UnitOfWork) -> Queued:
        new = self.new
        inserted = (
            await uow.execute(
                insert(messages)
                .values(**_values(new))
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
