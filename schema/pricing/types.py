"""Price rule and priced cart GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.pricing.models import PriceCondition, PriceEffect, PriceRule, PriceScope
from domain.pricing.prices import AppliedRule, Contribution, PricedCart, PricedLine, SourceKind
from schema.scalars import Money

PriceRuleEffectEnum = strawberry.enum(
    PriceEffect,
    name="PriceRuleEffect",
    description="PERCENT: percentBp off each unit (rounded down); AMOUNT_OFF: amountOffMinor "
    "off each unit (never below zero); MEMBER_PRICE: the unit price is memberPriceMinor.",
)
PriceRuleScopeEnum = strawberry.enum(PriceScope, name="PriceRuleScope")
PriceRuleConditionEnum = strawberry.enum(
    PriceCondition,
    name="PriceRuleCondition",
    description="Who gets the price: everyone (NONE), holders of any or all of badgeIds, "
    "customers in one of categoryIds, or customers in the saved segment `segment` when the "
    "cart is priced (SEGMENT).",
)


def _ids(values: tuple[int | str, ...]) -> list[strawberry.ID]:
    return [strawberry.ID(str(v)) for v in values]


def _money(value: int | None) -> Money | None:
    return Money(value) if value is not None else None


@strawberry.type(name="PriceRule", description="A conditional discount or a member price.")
class PriceRuleType:
    id: strawberry.ID
    name: str
    effect: PriceRuleEffectEnum  # type: ignore[valid-type]
    percent_bp: int | None
    amount_off_minor: Money | None
    member_price_minor: Money | None
    scope: PriceRuleScopeEnum  # type: ignore[valid-type]
    skus: list[str]
    product_lines: list[str]
    condition: PriceRuleConditionEnum  # type: ignore[valid-type]
    badge_ids: list[strawberry.ID]
    category_ids: list[strawberry.ID]
    segment: str | None = strawberry.field(description="A SEGMENT rule's saved segment.")
    include_discounted: bool = strawberry.field(
        description="Whether lines already discounted by the shop get it too."
    )
    valid_from: datetime | None = strawberry.field(description="Inclusive; null: open.")
    valid_until: datetime | None = strawberry.field(description="Exclusive; null: open.")
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: PriceRule) -> PriceRuleType:
        spec = r.spec
        return cls(
            id=strawberry.ID(str(r.id)),
            name=spec.name,
            effect=spec.effect,
            percent_bp=spec.percent_bp,
            amount_off_minor=_money(spec.amount_off_minor),
            member_price_minor=_money(spec.member_price_minor),
            scope=spec.scope,
            skus=list(spec.skus),
            product_lines=list(spec.product_lines),
            condition=spec.condition,
            badge_ids=_ids(spec.badge_ids),
            category_ids=_ids(spec.category_ids),
            segment=spec.segment,
            include_discounted=spec.include_discounted,
            valid_from=spec.valid_from,
            valid_until=spec.valid_until,
            active=spec.active,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


@strawberry.type(name="AppliedPriceRule", description="The rule that priced a line, and why.")
class AppliedPriceRuleType:
    rule_id: strawberry.ID
    name: str
    effect: PriceRuleEffectEnum  # type: ignore[valid-type]
    condition: PriceRuleConditionEnum  # type: ignore[valid-type]
    badge_ids: list[strawberry.ID] = strawberry.field(
        description="The customer's badges that met the condition."
    )
    category_id: strawberry.ID | None = strawberry.field(
        description="The customer's category, when it met the condition."
    )
    segment: str | None = strawberry.field(
        default=None, description="The saved segment the customer is in, when it met the condition."
    )

    @classmethod
    def of(cls, a: AppliedRule) -> AppliedPriceRuleType:
        return cls(
            rule_id=strawberry.ID(str(a.rule_id)),
            name=a.name,
            effect=a.effect,
            condition=a.condition,
            badge_ids=_ids(a.badge_ids),
            category_id=strawberry.ID(str(a.category_id)) if a.category_id is not None else None,
            segment=a.segment,
        )


DiscountSourceEnum = strawberry.enum(
    SourceKind,
    name="DiscountSource",
    description="What gave part of a line's discount: a price rule, a DISCOUNT card or a "
    "current discount (see docs/card-discounts.md).",
)


@strawberry.type(
    name="DiscountContribution",
    description="Money one source took off one line (whole line, minor units).",
)
class ContributionType:
    source: DiscountSourceEnum  # type: ignore[valid-type]
    source_id: strawberry.ID = strawberry.field(
        description="The price rule's, the card's or the current discount's id."
    )
    name: str = strawberry.field(description="The rule's or the card series' name.")
    amount_minor: Money

    @classmethod
    def of(cls, c: Contribution) -> ContributionType:
        return cls(
            source=c.kind,
            source_id=strawberry.ID(str(c.source_id)),
            name=c.name,
            amount_minor=Money(c.amount_minor),
        )


@strawberry.type(name="PricedCartLine")
class PricedCartLineType:
    sku: str
    quantity: int
    product_line: str | None
    discounted: bool
    unit_price_minor: Money = strawberry.field(description="The shelf price.")
    member_unit_price_minor: Money = strawberry.field(description="What this customer pays.")
    line_total_minor: Money = strawberry.field(description="memberUnitPriceMinor times quantity.")
    discount_minor: Money = strawberry.field(description="Off the shelf price, whole line.")
    applied_rule: AppliedPriceRuleType | None = strawberry.field(
        description="Null: no rule lowers this line's price for this customer."
    )
    card_discount_minor: Money = strawberry.field(
        default=Money(0),
        description="What the customer's DISCOUNT cards and current discount take off "
        "lineTotalMinor.",
    )
    net_total_minor: Money = strawberry.field(
        default=Money(0),
        description="What the customer pays for the line: lineTotalMinor - cardDiscountMinor.",
    )
    contributions: list[ContributionType] = strawberry.field(
        default_factory=list,
        description="Each source's part of the line's discount off the shelf price: the "
        "price rule (unitPriceMinor - memberUnitPriceMinor, times quantity), then each "
        "card, then the current discount. They add up to the shelf total less "
        "netTotalMinor. Send the CARD and CURRENT_DISCOUNT ones (and the rule's) with "
        "recordPurchase.",
    )

    @classmethod
    def of(cls, p: PricedLine) -> PricedCartLineType:
        return cls(
            sku=p.line.sku,
            quantity=p.line.quantity,
            product_line=p.line.product_line,
            discounted=p.line.discounted,
            unit_price_minor=Money(p.line.unit_price_minor),
            member_unit_price_minor=Money(p.member_unit_price_minor),
            line_total_minor=Money(p.total_minor),
            discount_minor=Money(p.discount_minor),
            applied_rule=AppliedPriceRuleType.of(p.applied) if p.applied else None,
            card_discount_minor=Money(p.card_discount_minor),
            net_total_minor=Money(p.net_total_minor),
            contributions=[ContributionType.of(c) for c in p.contributions],
        )


@strawberry.type(name="PricedCart", description="A cart at this customer's member prices.")
class PricedCartType:
    customer_id: strawberry.ID
    lines: list[PricedCartLineType]
    total_minor: Money = strawberry.field(description="At shelf prices.")
    discount_minor: Money
    member_total_minor: Money = strawberry.field(
        description="At member prices (the price rules); the customer pays netTotalMinor."
    )
    priced_at: datetime = strawberry.field(description="The time the rules were valid at.")
    card_discount_minor: Money = strawberry.field(
        default=Money(0), description="What cards and the current discount take off."
    )
    net_total_minor: Money = strawberry.field(
        default=Money(0),
        description="What the customer pays: memberTotalMinor - cardDiscountMinor.",
    )

    @classmethod
    def of(cls, c: PricedCart) -> PricedCartType:
        return cls(
            customer_id=strawberry.ID(str(c.customer_id)),
            lines=[PricedCartLineType.of(p) for p in c.lines],
            total_minor=Money(c.total_minor),
            discount_minor=Money(c.discount_minor),
            member_total_minor=Money(c.member_total_minor),
            priced_at=c.priced_at,
            card_discount_minor=Money(c.card_discount_minor),
            net_total_minor=Money(c.net_total_minor),
        )
