"""Promotion inputs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from domain.promotions.models import PromotionSpec
from schema.inputs import changed_fields
from schema.purchases.types import PurchaseChannel


@strawberry.input
class CreatePromotionInput:
    name: str
    starts_at: datetime = strawberry.field(description="Inclusive, with its UTC offset.")
    ends_at: datetime = strawberry.field(description="Exclusive, with its UTC offset.")
    multiplier: Decimal = strawberry.field(description="Above 0, at most 100, 4 decimals.")
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first promotion and writes nothing."
    )
    product_lines: list[str] = strawberry.field(default_factory=list)
    channels: list[PurchaseChannel] = strawberry.field(default_factory=list)
    active: bool = True

    def spec(self) -> PromotionSpec:
        return PromotionSpec(
            name=self.name,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            multiplier=self.multiplier,
            product_lines=tuple(self.product_lines),
            channels=tuple(c.value for c in self.channels),
            active=self.active,
        )


@strawberry.input(description="Fields left out stay as they are.")
class UpdatePromotionInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    multiplier: Decimal | None = strawberry.UNSET
    product_lines: list[str] | None = strawberry.UNSET
    channels: list[PurchaseChannel] | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET

    def changes(self) -> dict[str, Any]:
        changes = changed_fields(
            self,
            required=(
                "name",
                "starts_at",
                "ends_at",
                "multiplier",
                "product_lines",
                "channels",
                "active",
            ),
        )
        if "product_lines" in changes:
            changes["product_lines"] = tuple(changes["product_lines"])
        if "channels" in changes:
            changes["channels"] = tuple(c.value for c in changes["channels"])
        return changes
