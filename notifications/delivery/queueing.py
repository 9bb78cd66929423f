"""Creating messages: once per dedupe key, whoever asks and however often."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.uow import UnitOfWork
from notifications.delivery.models import Message, NewMessage, Status, message_from
from notifications.delivery.tables import messages


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
    """Create the messages in the open unit of work, in one statement; those whose dedupe
    key is taken (by a committed message, or by one earlier in `new`) are left out. Returns
    the messages created, in dedupe key order.

    Rows go in dedupe key order, so two transactions inserting overlapping keys wait for
    each other in one order and cannot deadlock; a key another open transaction inserted
    waits for it, then is skipped if it committed."""
    unique = sorted({m.dedupe_key: m for m in reversed(new)}.values(), key=lambda m: m.dedupe_key)
    if not unique:
        return []
    columns: dict[str, list[Any]] = {name: [] for name in _ARRAYS}
    for message in unique:
        for name, value in _values(message).items():
            columns[name].append(orjson.dumps(value).decode() if name == "content" else value)
    rows = await uow.execute(_INSERT_MANY, columns)
    created = [Inserted(r.id, r.dedupe_key, Status(r.status)) for r in rows]
    return sorted(created, key=lambda i: i.dedupe_key)


# A batch is a dozen arrays, one per column, unnested into rows: one statement whatever
# the batch's size (a multi-row VALUES would cost a bind parameter per cell to build).
_ARRAYS = {
    "dedupe_key": "text",
    "customer_id": "bigint",
    "channel": "text",
    "purpose": "text",
    "recipient": "text",
    "content": "text",
    "template_id": "bigint",
    "template_version": "integer",
    "not_before": "timestamptz",
    "status": "text",
    "status_reason": "text",
    "last_error": "text",
    "rendered_for_customer_id": "bigint",
}
_INSERT_MANY = text(f"""
    INSERT INTO messages ({", ".join(_ARRAYS)})
    SELECT {", ".join(f"r.{name}::jsonb" if name == "content" else f"r.{name}" for name in _ARRAYS)}
      FROM unnest({", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _ARRAYS.items())})
           AS r({", ".join(_ARRAYS)})
     ORDER BY r.dedupe_key
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id, dedupe_key, status
""")


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
        "rendered_for_customer_id": new.rendered_for_customer_id,
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


async def message_by_dedupe_key(uow: UnitOfWork, dedupe_key: str) -> Message | None:
    """The message made under this dedupe key, if any."""
    async with uow:
        row = (
            await uow.execute(select(messages).where(messages.c.dedupe_key == dedupe_key))
        ).one_or_none()
    return None if row is None else message_from(row)
