"""Promotions: listing, creating and changing them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.promotions import services
from domain.promotions.models import Promotion, PromotionSpec
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires
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


@strawberry.type
class PromotionPayload:
    promotion: PromotionType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PromotionQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)],
        description="Promotions, newest first.",
    )
    async def promotions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        active_only: bool = False,
    ) -> Connection[PromotionType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("Promotion", after)
        page = await services.list_promotions(info.context.new_uow(), limit, after_id, active_only)
        return connection([PromotionType.of(p) for p in page.items], page.has_next, "Promotion")


@strawberry.type
class PromotionMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(PromotionPayload)
    async def create_promotion(self, info: Info, input: CreatePromotionInput) -> PromotionPayload:
        created = await services.create_promotion(
            info.context.new_uow(), input.spec(), input.idempotency_key
        )
        return PromotionPayload(promotion=PromotionType.of(created.item), replayed=created.replayed)

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(PromotionPayload)
    async def update_promotion(self, info: Info, input: UpdatePromotionInput) -> PromotionPayload:
        promotion = await services.update_promotion(
            info.context.new_uow(), input.id, input.changes()
        )
        return PromotionPayload(promotion=PromotionType.of(promotion))
