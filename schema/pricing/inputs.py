"""Price rule inputs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.pricing.models import PriceCondition, PriceScope
from schema.pricing.types import PriceRuleConditionEnum, PriceRuleEffectEnum, PriceRuleScopeEnum
from schema.scalars import Money


@strawberry.input(
    description="Give the one value the effect uses (percentBp, amountOffMinor or "
    "memberPriceMinor), the products its scope names and the ids (or the saved segment) "
    "its condition names."
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
    segment: str | None = strawberry.field(
        default=None, description="A SEGMENT rule's saved segment, by name; it must exist."
    )
    include_discounted: bool = False
    valid_from: datetime | None = strawberry.field(default=None, description="Inclusive.")
    valid_until: datetime | None = strawberry.field(default=None, description="Exclusive.")
    active: bool = True


@strawberry.input(
    description="Fields left out stay as they are. A new effect, scope or condition drops "
    "the values, products, ids or segment of the old one that are not given again."
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
    segment: str | None = strawberry.UNSET
    include_discounted: bool | None = strawberry.UNSET
    valid_from: datetime | None = strawberry.UNSET
    valid_until: datetime | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
