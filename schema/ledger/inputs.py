"""Ledger inputs: the movement filter, adjustments and reversals."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.ledger.models import HistoryFilter
from schema.ledger.types import LedgerEntryKind


@strawberry.input
class AdjustPointsInput:
    customer_id: strawberry.ID
    points: int = strawberry.field(description="Signed: positive credits, negative debits.")
    note: str = strawberry.field(description="Why; required, kept in the ledger.")
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first result and writes nothing."
    )
    shop: str | None = strawberry.field(
        default=None,
        description="The shop where it is made (a shop code as purchases name it): the "
        "entry's source, and whose managers hear of a large adjustment.",
    )


@strawberry.input
class ReverseLedgerEntryInput:
    entry_id: strawberry.ID
    note: str


@strawberry.input(description="Narrows ledger movements; bounds are inclusive.")
class LedgerFilter:
    since: datetime | None = None
    until: datetime | None = None
    kinds: list[LedgerEntryKind] | None = None  # type: ignore[valid-type]
    min_points: int | None = None
    max_points: int | None = None

    def to_domain(self) -> HistoryFilter:
        return HistoryFilter(
            since=self.since,
            until=self.until,
            kinds=tuple(self.kinds or ()),
            min_points=self.min_points,
            max_points=self.max_points,
        )
