"""Promotions, as GraphQL types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain.promotions.models import Promotion
from schema.purchases.types import PurchaseChannel


@strawberry.type(
    name="Promotion",
    description="Purchases made in [startsAt, endsAt) earn `multiplier` times the points on "
    "the lines it covers; where several cover a line, the highest multiplier applies.",
)
class PromotionType:
    id: strawberry.ID
    name: str
    starts_at: datetime
    ends_at: datetime
    multiplier: Decimal
    product_lines: list[str] = strawberry.field(description="Empty: every line.")
    channels: list[PurchaseChannel] = strawberry.field(description="Empty: every channel.")
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Promotion) -> PromotionType:
        spec = p.spec
        return cls(
            id=strawberry.ID(str(p.id)),
            name=spec.name,
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            multiplier=spec.multiplier,
            product_lines=list(spec.product_lines),
            channels=[PurchaseChannel(c) for c in spec.channels],
            active=spec.active,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
