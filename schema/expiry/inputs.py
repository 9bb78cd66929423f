"""The input that sets the validity of earned points."""

from __future__ import annotations

import strawberry


@strawberry.input(
    description="Days or months (not both); both null: points never expire. Applies to points "
    "credited afterwards."
)
class UpdatePointsExpiryInput:
    validity_days: int | None = None
    validity_months: int | None = None
