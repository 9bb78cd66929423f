"""Reading a customer's recorded events back, a page at a time (the customer's own history:
the category changes a 360 view shows), without another area naming the events table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain.events.store import DomainEvent
from domain.events.tables import domain_events
from domain.pagination import pages_per_owner
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class RecordedEvent:
    """An event as it was written: its id orders it, its payload is the event's fields."""

    id: int
    customer_id: int
    payload: dict[str, Any]
    occurred_at: datetime


async def customers_events(
    uow: UnitOfWork,
    customer_ids: Sequence[int],
    event_type: type[DomainEvent],
    limit: int,
    after_id: int | None = None,
) -> dict[int, list[RecordedEvent]]:
    """Each customer's events of one type, newest first: `limit` + 1 each (for
    Page.from_rows) after the event `after_id`, in one statement over the customer index."""
    query = select(
        domain_events.c.id,
        domain_events.c.customer_id,
        domain_events.c.payload,
        domain_events.c.occurred_at,
    ).where(domain_events.c.type == event_type.__name__)
    found = await pages_per_owner(
        uow,
        customer_ids,
        query,
        domain_events.c.customer_id,
        domain_events.c.id,
        limit,
        after_id,
    )
    return {
        cid: [RecordedEvent(r.id, r.customer_id, dict(r.payload), r.occurred_at) for r in rows]
        for cid, rows in found.items()
    }
