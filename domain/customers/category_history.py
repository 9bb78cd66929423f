"""A customer's category history: every change of category, newest first, read back from the
CategoryChanged events each change wrote in its own transaction (by hand, by a funnel's
setCategory step, by the tier rules)."""

from __future__ import annotations

from collections.abc import Sequence

from domain.customers.models import CategoryChangeReason, CategoryHistoryEntry
from domain.events.history import RecordedEvent, customers_events
from domain.events.types import CategoryChanged
from domain.pagination import Page
from domain.uow import UnitOfWork


async def category_histories(
    uow: UnitOfWork, customer_ids: Sequence[int], limit: int, after_id: int | None = None
) -> dict[int, Page[CategoryHistoryEntry]]:
    """Several customers' category changes, newest first, `limit` each after the change
    `after_id` (its event id), in one query; in the open unit of work."""
    found = await customers_events(uow, customer_ids, CategoryChanged, limit, after_id)
    return {
        cid: Page.from_rows([_entry(event) for event in events], limit)
        for cid, events in found.items()
    }


def _entry(event: RecordedEvent) -> CategoryHistoryEntry:
    p = event.payload
    return CategoryHistoryEntry(
        id=event.id,
        customer_id=event.customer_id,
        from_category_id=int(p["from_category_id"]),
        to_category_id=int(p["to_category_id"]),
        reason=CategoryChangeReason(p.get("reason") or CategoryChangeReason.MANUAL),
        actor=str(p.get("actor") or ""),
        changed_at=event.occurred_at,
        measure=p.get("measure"),
        value=None if p.get("value") is None else int(p["value"]),
    )
