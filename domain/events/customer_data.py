"""The events' part of a customer's data: every domain event about them. An erasure keeps
the events (what happened, and when, is what webhooks and funnels were told) but replaces
the personal values their payloads carry: the external ref and card codes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text

from domain.data_requests.parts import ERASED, CustomerDataPart, Exported, rows_where
from domain.events.tables import domain_events
from domain.uow import UnitOfWork

# The payload keys (events.types) whose values name the person.
PERSONAL_KEYS = ("external_ref", "code", "replaces_code", "replaced_by_code")

# Each personal key present (and not null) replaced by the erased marker, in one statement
# (only in payloads holding one: the aggregate of none is null).
_ERASE_PAYLOADS = text("""
    UPDATE domain_events e
       SET payload = e.payload || (SELECT jsonb_object_agg(k, to_jsonb(CAST(:marker AS text)))
                                     FROM unnest(CAST(:keys AS text[])) k
                                    WHERE e.payload ? k AND e.payload ->> k IS NOT NULL)
     WHERE e.customer_id = :customer_id
       AND EXISTS (SELECT 1 FROM unnest(CAST(:keys AS text[])) k WHERE e.payload ->> k IS NOT NULL)
""")


async def event_ids_of(uow: UnitOfWork, customer_id: int, types: Sequence[str]) -> list[int]:
    """The ids of the customer's events of these types (what other areas keyed by an event
    made about them: a staff notice)."""
    e = domain_events.c
    query = select(e.id).where(e.customer_id == customer_id, e.type.in_(list(types)))
    return list((await uow.execute(query.order_by(e.id))).scalars())


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's domain events."""
    return {
        "domain_events": await rows_where(
            uow, domain_events, domain_events.c.customer_id == customer_id
        )
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Replace the personal values of the customer's events' payloads."""
    await uow.execute(
        _ERASE_PAYLOADS,
        {"customer_id": customer_id, "keys": list(PERSONAL_KEYS), "marker": ERASED},
    )


PART = CustomerDataPart("events", (domain_events,), export, erase)
