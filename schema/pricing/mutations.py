"""Price rules: creating and changing them."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.pricing import services
from domain.pricing.models import PriceRuleSpec
from domain.pricing.services import PriceRuleWrite
from funnels.engine.conditions import saved_segments
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.permissions import requires
from schema.pricing.inputs import CreatePriceRuleInput, UpdatePriceRuleInput
from schema.pricing.types import PriceRuleType


@strawberry.type
class PriceRulePayload:
    rule: PriceRuleType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, written: PriceRuleWrite) -> PriceRulePayload:
        return cls(rule=PriceRuleType.of(written.rule), replayed=written.replayed)


_LISTS = ("skus", "product_lines", "badge_ids", "category_ids")


@strawberry.type
class PricingMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(PriceRulePayload)
    async def create_price_rule(self, info: Info, input: CreatePriceRuleInput) -> PriceRulePayload:
        spec = PriceRuleSpec(
            name=input.name,
            effect=input.effect,
            percent_bp=input.percent_bp,
            amount_off_minor=input.amount_off_minor,
            member_price_minor=input.member_price_minor,
            scope=input.scope,
            skus=tuple(input.skus),
            product_lines=tuple(input.product_lines),
            condition=input.condition,
            badge_ids=tuple(input.badge_ids),
            category_ids=tuple(input.category_ids),
            segment=input.segment,
            include_discounted=input.include_discounted,
            valid_from=input.valid_from,
            valid_until=input.valid_until,
            active=input.active,
        )
        written = await services.create_price_rule(
            info.context.new_uow(), spec, input.idempotency_key, saved_segments()
        )
        return PriceRulePayload.of(written)

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(PriceRulePayload)
    async def update_price_rule(self, info: Info, input: UpdatePriceRuleInput) -> PriceRulePayload:
        changes: dict[str, Any] = changed_fields(
            input,
            required=(
                "name",
                "effect",
                "scope",
                "condition",
                "include_discounted",
                "active",
                *_LISTS,
            ),
            nullable=(
                "percent_bp",
                "amount_off_minor",
                "member_price_minor",
                "valid_from",
                "valid_until",
                "segment",
            ),
        )
        changes.update({name: tuple(changes[name]) for name in _LISTS if name in changes})
        written = await services.update_price_rule(
            info.context.new_uow(), input.id, changes, saved_segments()
        )
        return PriceRulePayload.of(written)
