"""Tier rule inputs."""

from __future__ import annotations

import strawberry

from domain.tiers.models import RungInput
from schema.customers.inputs import CustomerFilterInput
from schema.scalars import BigInt
from schema.tiers.types import TierMeasureEnum


@strawberry.input(name="TierRungInput")
class TierRungInputType:
    category_id: strawberry.ID
    threshold: BigInt = strawberry.field(
        description="Minor units (LIFETIME_SPEND) or points (POINTS_EARNED); one rung is 0."
    )

    def to_domain(self) -> RungInput:
        return RungInput(self.category_id, self.threshold)


@strawberry.input(description="Replaces the whole ladder; `rungs: []` turns the rules off.")
class SetTierRulesInput:
    measure: TierMeasureEnum  # type: ignore[valid-type]
    rungs: list[TierRungInputType]
    window_days: int | None = strawberry.field(
        default=None, description="POINTS_EARNED only: the rolling window, in days."
    )
    dry_run: bool = strawberry.field(
        default=False, description="Check and preview the moves; write nothing."
    )


@strawberry.input(description="Give customerIds or a filter (the customers list's filter).")
class ReleaseCategoryOverrideInput:
    customer_ids: list[strawberry.ID] | None = None
    filter: CustomerFilterInput | None = None
