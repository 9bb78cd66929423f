"""Tier rule GraphQL types, converted from domain objects at the edge."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.tiers.evaluation import Move
from domain.tiers.models import TierMeasure, TierRules
from schema.context import Info
from schema.customers.types import PointCategoryType
from schema.scalars import BigInt

TierMeasureEnum = strawberry.enum(
    TierMeasure,
    name="TierMeasure",
    description="LIFETIME_SPEND: totals of purchases reported PAID or COMPLETED minus refunds, "
    "in minor units. POINTS_EARNED: points earned in the last windowDays days (credits that "
    "count as earning, net of refund take-backs and reversed credits).",
)


async def _category(info: Info, category_id: int) -> PointCategoryType:
    found = await info.context.loaders.category.load(category_id)
    assert found is not None  # categories are never deleted
    return PointCategoryType.of(found)


@strawberry.type(name="TierRung", description="From `threshold` on, at least this category.")
class TierRungType:
    threshold: BigInt
    category_id: strawberry.Private[int]

    @strawberry.field
    async def category(self, info: Info) -> PointCategoryType:
        return await _category(info, self.category_id)


@strawberry.type(
    name="TierRules",
    description="The ladder: a customer not set by hand belongs in the category of the "
    "highest rung their measure reaches. No rungs: categories change by hand only.",
)
class TierRulesType:
    measure: TierMeasureEnum  # type: ignore[valid-type]
    window_days: int | None
    rungs: list[TierRungType] = strawberry.field(description="Lowest threshold (0) first.")
    updated_at: datetime | None

    @classmethod
    def of(cls, r: TierRules) -> TierRulesType:
        return cls(
            measure=r.measure,
            window_days=r.window_days,
            rungs=[
                TierRungType(threshold=BigInt(g.threshold), category_id=g.category_id)
                for g in r.rungs
            ],
            updated_at=r.updated_at,
        )


@strawberry.type(name="TierMove", description="Customers moving from one category to another.")
class TierMoveType:
    customers: int
    from_id: strawberry.Private[int]
    to_id: strawberry.Private[int]

    @classmethod
    def of(cls, m: Move) -> TierMoveType:
        return cls(customers=m.customers, from_id=m.from_category_id, to_id=m.to_category_id)

    @strawberry.field(name="from")
    async def from_(self, info: Info) -> PointCategoryType:
        return await _category(info, self.from_id)

    @strawberry.field
    async def to(self, info: Info) -> PointCategoryType:
        return await _category(info, self.to_id)
