"""Report inputs: the filter of the movements list."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.reports.movements import MovementFilter
from schema.ledger.types import LedgerEntryKind


@strawberry.input(
    name="LedgerMovementFilter",
    description="Every given criterion must match. since inclusive, until exclusive; "
    "points bounds inclusive and signed.",
)
class LedgerMovementFilterInput:
    since: datetime | None = None
    until: datetime | None = None
    customer_id: strawberry.ID | None = None
    min_points: int | None = None
    max_points: int | None = None
    kinds: list[LedgerEntryKind] | None = None  # type: ignore[valid-type]
    source_type: str | None = strawberry.field(
        default=None,
        description="Exactly: purchase, order, voucher, reward, ledger_entry (what caused it).",
    )
    reason: str | None = strawberry.field(
        default=None, description="Found in the entry's note, ignoring case."
    )

    def to_domain(self) -> MovementFilter:
        return MovementFilter(
            since=self.since,
            until=self.until,
            customer_id=self.customer_id,
            min_points=self.min_points,
            max_points=self.max_points,
            kinds=tuple(str(k) for k in self.kinds or ()),
            source_type=self.source_type,
            reason=self.reason,
        )
