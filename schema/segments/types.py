"""Segment GraphQL types, converted from funnels.segments' objects at the edge."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from funnels.segments import SavedSegment, SegmentPreview
from schema.customers.types import CustomerType
from schema.errors import UserError
from schema.scalars import JSON


@strawberry.enum(
    name="SegmentCostClass",
    description="How costly PostgreSQL expects a segment's query to be (the planner's "
    "estimated total cost: LOW below 10,000, MEDIUM below 1,000,000, HIGH above; "
    "docs/segments.md).",
)
class SegmentCostClassType(Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


@strawberry.type(name="Segment", description='A filter saved under a name: {"segment": name}.')
class SegmentType:
    id: strawberry.ID
    name: str
    description: str
    filter: JSON = strawberry.field(description="The filter as saved (docs/segments.md).")
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: SavedSegment) -> SegmentType:
        return cls(
            id=strawberry.ID(str(s.id)),
            name=s.name,
            description=s.description,
            filter=s.filter,
            created_by=s.created_by,
            updated_by=s.updated_by,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


@strawberry.type(
    name="SegmentPreview",
    description="The customers a filter matches now; on userErrors, nothing else is set.",
)
class SegmentPreviewType:
    count: int | None = strawberry.field(default=None, description="How many match.")
    customers: list[CustomerType] = strawberry.field(
        default_factory=list, description="The first matching customers, by id."
    )
    cost_class: SegmentCostClassType | None = None
    estimated_cost: float | None = strawberry.field(
        default=None, description="The planner's estimated total cost of the count."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Problems of the filter; field is its JSON path."
    )

    @classmethod
    def of(cls, p: SegmentPreview) -> SegmentPreviewType:
        return cls(
            count=p.count,
            customers=[CustomerType.of(c) for c in p.sample],
            cost_class=SegmentCostClassType(p.cost_class.value),
            estimated_cost=p.estimated_cost,
        )
