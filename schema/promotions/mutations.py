"""Promotions: creating and changing them."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.promotions import services
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.permissions import requires
from schema.promotions.inputs import CreatePromotionInput, UpdatePromotionInput
from schema.promotions.types import PromotionType


@strawberry.type
class PromotionPayload:
    promotion: PromotionType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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
