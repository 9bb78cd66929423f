"""Writing domain events in the current transaction, and reading them back."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.events.tables import domain_events


@dataclass(frozen=True)
class DomainEvent:
    """Base of every event: a past-tense class name and the customer it concerns."""

    customer_id: int | None

    @property
    def type(self) -> str:
        return type(self).__name__

    def payload(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "customer_id"}


async def insert_events(conn: AsyncConnection, events: list[DomainEvent]) -> None:
    """Write events in one statement, in the order they were recorded."""
    await conn.execute(
        insert(domain_events),
        [{"type": e.type, "customer_id": e.customer_id, "payload": e.payload()} for e in events],
    )
