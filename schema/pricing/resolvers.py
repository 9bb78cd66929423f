"""Price rule queries and mutations, and priceCart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError
from domain.pricing import services
from domain.pricing.models import PriceCondition, PriceRuleSpec, PriceScope
from domain.pricing.services import PriceRuleWrite
from schema.checkout.inputs import CartLineInput
from schema.context import Info
from schema.errors import UserError, payload_on_error, query_error
from schema.inputs import changed_fields
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import customer_or, requires
from schema.pricing.types import (
    PricedCartType,
    PriceRuleConditionEnum,
    PriceRuleEffectEnum,
    PriceRuleScopeEnum,
    PriceRuleType,
)
from schema.scalars import Money


@strawberry.input(
    description="Give the one value the effect uses (percentBp, amountOffMinor or "
    "memberPriceMinor), the products its scope names and the ids its condition names."
)
class CreatePriceRuleInput:
    name: str
    effect: PriceRuleEffectEnum  # type: ignore[valid-type]
    idempotency_key: str
    percent_bp: int | None = strawberry.field(default=None, description="1 to 10000 (100%).")
    amount_off_minor: Money | None = None
    member_price_minor: Money | None = None
    scope: PriceRuleScopeEnum = PriceScope.ALL  # type: ignore[valid-type]
    skus: list[str] = strawberry.field(default_factory=list)
    product_lines: list[str] = strawberry.field(default_factory=list)
    condition: PriceRuleConditionEnum = PriceCondition.NONE  # type: ignore[valid-type]
    badge_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    category_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    include_discounted: bool = False
    valid_from: datetime | None = strawberry.field(default=None, description="Inclusive.")
    valid_until: datetime | None = strawberry.field(default=None, description="Exclusive.")
    active: bool = True


@strawberry.input(
    description="Fields left out stay as they are. A new effect, scope or condition drops "
    "the values, products or ids of the old one that are not given again."
)
class UpdatePriceRuleInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    effect: PriceRuleEffectEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    percent_bp: int | None = strawberry.UNSET
    amount_off_minor: Money | None = strawberry.UNSET
    member_price_minor: Money | None = strawberry.UNSET
    scope: PriceRuleScopeEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    skus: list[str] | None = strawberry.UNSET
    product_lines: list[str] | None = strawberry.UNSET
    condition: PriceRuleConditionEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    badge_ids: list[strawberry.ID] | None = strawberry.UNSET
    category_ids: list[strawberry.ID] | None = strawberry.UNSET
    include_discounted: bool | None = strawberry.UNSET
    valid_from: datetime | None = strawberry.UNSET
    valid_until: datetime | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


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
class PricingQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)], description="Newest first."
    )
    async def price_rules(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        active_only: bool = False,
    ) -> Connection[PriceRuleType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("PriceRule", after)
        page = await services.find_price_rules(info.context.new_uow(), active_only, limit, after_id)
        return connection([PriceRuleType.of(r) for r in page.items], page.has_next, "PriceRule")

    @strawberry.field(
        permission_classes=[customer_or(Permission.VIEW_POINTS)],
        description="Each line at the customer's member price now, the rule that gave it and "
        "why; writes nothing. Staff name the customer; a customer app prices its own cart.",
    )
    async def price_cart(
        self, info: Info, cart: list[CartLineInput], customer_id: strawberry.ID | None = None
    ) -> PricedCartType:
        try:
            priced = await services.price_customer_cart(
                info.context.new_uow(),
                info.context.principal,
                customer_id,
                [line.to_domain() for line in cart],
            )
        except DomainError as error:
            raise query_error(error) from error
        return PricedCartType.of(priced)


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
            include_discounted=input.include_discounted,
            valid_from=input.valid_from,
            valid_until=input.valid_until,
            active=input.active,
        )
        written = await services.create_price_rule(
            info.context.new_uow(), spec, input.idempotency_key
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
            ),
        )
        changes.update({name: tuple(changes[name]) for name in _LISTS if name in changes})
        written = await services.update_price_rule(info.context.new_uow(), input.id, changes)
        return PriceRulePayload.of(written)
