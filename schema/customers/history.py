"""A customer's category history as GraphQL types, converted from domain objects at the edge.

Apart from schema.customers.types because it names the tier rules' measure (schema.tiers
.types), which itself builds on the customer types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.customers.models import CategoryChangeReason, CategoryHistoryEntry
from domain.tiers.models import TierMeasure
from schema.context import Info
from schema.customers.types import PointCategoryType
from schema.scalars import BigInt
from schema.tiers.types import TierMeasureEnum

CategoryChangeReasonEnum = strawberry.enum(
    CategoryChangeReason,
    name="CategoryChangeReason",
    description="MANUAL: set by hand (setCustomerCategory, or a funnel's setCategory step); "
    "RULE: placed by the tier rules.",
)


async def _category(info: Info, category_id: int) -> PointCategoryType:
    found = await info.context.loaders.category.load(category_id)
    assert found is not None  # categories are never deleted
    return PointCategoryType.of(found)


@strawberry.type(name="CategoryChange", description="One change of a customer's category.")
class CategoryChangeType:
    id: strawberry.ID
    reason: CategoryChangeReasonEnum  # type: ignore[valid-type]
    actor: str = strawberry.field(
        description="Who changed it: a staff token's name, funnel (a setCategory step), or "
        "the job that evaluated the tier rules."
    )
    measure: TierMeasureEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="RULE only: the measure the tier rules placed the customer by."
    )
    value: BigInt | None = strawberry.field(
        description="RULE only: the customer's value of that measure then."
    )
    changed_at: datetime
    from_id: strawberry.Private[int]
    to_id: strawberry.Private[int]

    @classmethod
    def of(cls, e: CategoryHistoryEntry) -> CategoryChangeType:
        return cls(
            id=strawberry.ID(str(e.id)),
            reason=e.reason,
            actor=e.actor,
            measure=None if e.measure is None else TierMeasure(e.measure),
            value=None if e.value is None else BigInt(e.value),
            changed_at=e.changed_at,
            from_id=e.from_category_id,
            to_id=e.to_category_id,
        )

    @strawberry.field(name="from")
    async def from_(self, info: Info) -> PointCategoryType:
        return await _category(info, self.from_id)

    @strawberry.field
    async def to(self, info: Info) -> PointCategoryType:
        return await _category(info, self.to_id)
