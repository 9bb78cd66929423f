"""Helpers of the notices' tests: recipients, the pending events as the dispatcher hands
them over, and the messages the notices made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.events.outbox import PendingEvent
from domain.uow import UnitOfWork
from notifications.delivery.queueing import queue_message
from notifications.notices.models import RecipientSpec
from notifications.notices.reaction import Notices
from notifications.notices.recipients import add_recipient


async def recipient(engine: AsyncEngine, email: str, *kinds: str, shop: str | None = None) -> int:
    spec = RecipientSpec(email=email, kinds=kinds, shop=shop)
    return (await add_recipient(UnitOfWork(engine), spec, f"{shop}:{email}")).item.id


async def pending_events(engine: AsyncEngine, after_id: int = 0) -> list[PendingEvent]:
    """The events written after `after_id`, in order, as the dispatcher reads them."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id, type, customer_id, payload, occurred_at FROM domain_events "
                "WHERE id > :after ORDER BY id"
            ),
            {"after": after_id},
        )
        return [PendingEvent(r.id, r.type, r.customer_id, r.payload, r.occurred_at) for r in rows]


async def last_event_id(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = (await conn.execute(text("SELECT max(id) FROM domain_events"))).scalar()
        return int(found or 0)


async def react(engine: AsyncEngine, events: Sequence[PendingEvent]) -> list[int]:
    """What a dispatcher does with the notices: ask the reaction in a unit of work, queue
    every message it returns; the ids of the messages this call created."""
    uow = UnitOfWork(engine)
    async with uow:
        messages = await Notices().messages_for(uow, events)
    created = []
    for message in messages:
        queued = await queue_message(UnitOfWork(engine), message)
        if queued.created:
            created.append(queued.message.id)
    return created


async def notices(engine: AsyncEngine, kind: str | None = None) -> list[Any]:
    """The notices' messages (recipient, dedupe key, content, customer), oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT recipient, dedupe_key, content, customer_id, purpose, channel, status "
                "FROM messages WHERE dedupe_key LIKE :prefix ORDER BY id"
            ),
            {"prefix": f"notice:{kind or ''}%"},
        )
        return list(rows)
