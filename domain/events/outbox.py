"""The events as an outbox: consumers take the pending ones (published_at IS NULL) in
batches and mark them published in their own transaction.

Taking is `FOR UPDATE SKIP LOCKED`: two consumers at once take disjoint batches, and an
event is published only when the transaction that took it commits, with whatever the
consumer wrote from it (the messages it made). A consumer that fails or dies rolls back,
and the events are pending again for the next one: delivery of an event is at least once,
so what a consumer writes from it must be idempotent (messages have a unique dedupe key).

There is no high-water mark: an event committed late (its id taken before an earlier
event's transaction committed) is simply in a later batch, never skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, select, text

from domain.events.tables import domain_events
from domain.uow import UnitOfWork

MAX_BATCH = 10_000

# The pending partial index (ix_domain_events_pending) gives the oldest pending ids in
# order; SKIP LOCKED passes over those another consumer holds.
_TAKE = text("""
    WITH taken AS (
        SELECT id FROM domain_events
         WHERE published_at IS NULL
         ORDER BY id
         LIMIT :limit
           FOR UPDATE SKIP LOCKED)
    UPDATE domain_events e SET published_at = clock_timestamp()
      FROM taken WHERE e.id = taken.id
    RETURNING e.id, e.type, e.customer_id, e.payload, e.occurred_at
""")


@dataclass(frozen=True)
class PendingEvent:
    """An event as recorded: its type is the event class's name (domain/events/types.py)
    and its payload that class's fields but customer_id."""

    id: int
    type: str
    customer_id: int | None
    payload: dict[str, Any]
    occurred_at: datetime


async def take_pending(uow: UnitOfWork, limit: int) -> list[PendingEvent]:
    """Up to `limit` pending events, oldest (lowest id) first, marked published in the open
    unit of work: they are done when it commits, pending again if it rolls back. Events
    another open transaction took are skipped, so concurrent callers never get the same
    event."""
    if not 1 <= limit <= MAX_BATCH:
        raise ValueError(f"take 1 to {MAX_BATCH} events at a time, not {limit}")
    rows = await uow.execute(_TAKE, {"limit": limit})
    taken = [
        PendingEvent(r.id, r.type, r.customer_id, dict(r.payload), r.occurred_at) for r in rows
    ]
    return sorted(taken, key=lambda e: e.id)


# Larger than any event id: nothing pending.
_NO_PENDING = 2**63 - 1


def dispatched_below() -> ScalarSelect[Any]:
    """An SQL scalar for another area's statement: every event with a lower id has been
    dispatched (its reactions' rows are committed). An event of a batch under way counts as
    pending until its batch commits."""
    return (
        select(func.coalesce(func.min(domain_events.c.id), _NO_PENDING))
        .where(domain_events.c.published_at.is_(None))
        .scalar_subquery()
    )
