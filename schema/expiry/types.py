"""The validity of earned points, as a GraphQL type."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.ledger import validity


@strawberry.type(
    name="PointsExpiry",
    description="Points expire at the end of the UTC day of their credit plus the validity; "
    "neither days nor months: they never expire.",
)
class PointsExpiryType:
    validity_days: int | None
    validity_months: int | None
    updated_at: datetime | None

    @classmethod
    def of(cls, rule: validity.ExpiryRule) -> PointsExpiryType:
        return cls(
            validity_days=rule.validity_days,
            validity_months=rule.validity_months,
            updated_at=rule.updated_at,
        )
