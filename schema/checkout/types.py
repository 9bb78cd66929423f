"""Checkout GraphQL output types."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.checkout.holds import Hold
from domain.checkout.quote import Quote, QuoteReason, RedemptionRules
from domain.checkout.redemptions import Redemption
from schema.scalars import Money

QuoteReasonEnum = strawberry.enum(QuoteReason, name="QuoteReason")


@strawberry.enum
class ProductRuleKind(Enum):
    SKU = "SKU"
    LINE = "LINE"


@strawberry.type
class RedemptionProductRule:
    kind: ProductRuleKind
    key: str
    payable: bool = strawberry.field(description="False: never paid with points.")


@strawberry.type(
    name="RedemptionRules", description="pointsPerUnit points are worth valuePerUnitMinor."
)
class RedemptionRulesType:
    points_per_unit: int
    value_per_unit_minor: Money
    min_balance_points: int
    min_cart_minor: Money
    max_discount_minor: Money | None
    max_discount_bp: int | None = strawberry.field(
        description="Largest discount as basis points of the cart (2500 = 25%)."
    )
    exclude_discounted: bool
    earn_on_points_paid: bool = strawberry.field(
        description="Whether the part of an order paid with points earns points."
    )
    product_rules: list[RedemptionProductRule]

    @classmethod
    def of(cls, r: RedemptionRules) -> RedemptionRulesType:
        return cls(
            points_per_unit=r.points_per_unit,
            value_per_unit_minor=Money(r.value_per_unit_minor),
            min_balance_points=r.min_balance_points,
            min_cart_minor=Money(r.min_cart_minor),
            max_discount_minor=Money(r.max_discount_minor)
            if r.max_discount_minor is not None
            else None,
            max_discount_bp=r.max_discount_bp,
            exclude_discounted=r.exclude_discounted,
            earn_on_points_paid=r.earn_on_points_paid,
            product_rules=[
                RedemptionProductRule(kind=ProductRuleKind(k), key=key, payable=v)
                for (k, key), v in sorted(r.product_rules.items())
            ],
        )


@strawberry.type(name="RedemptionQuote")
class RedemptionQuoteType:
    spendable_points: int
    cart_total_minor: Money
    eligible_minor: Money = strawberry.field(description="What points may pay for.")
    max_points: int = strawberry.field(description="The fewest points that pay maxValueMinor.")
    max_value_minor: Money
    reasons: list[QuoteReasonEnum] = strawberry.field(  # type: ignore[valid-type]
        description="Why nothing can be paid with points (empty when something can)."
    )

    @classmethod
    def of(cls, q: Quote) -> RedemptionQuoteType:
        return cls(
            spendable_points=q.spendable_points,
            cart_total_minor=Money(q.cart_total_minor),
            eligible_minor=Money(q.eligible_minor),
            max_points=q.max_points,
            max_value_minor=Money(q.max_value_minor),
            reasons=list(q.reasons),
        )


@strawberry.type(name="Redemption")
class RedemptionType:
    id: strawberry.ID
    shop: str
    order_id: str
    points: int
    value_minor: Money = strawberry.field(description="The money the points paid.")
    entry_id: strawberry.ID
    cancelled_at: datetime | None = strawberry.field(
        default=None, description="When it was cancelled and its points given back."
    )

    @classmethod
    def of(cls, r: Redemption) -> RedemptionType:
        return cls(
            id=strawberry.ID(str(r.id)),
            shop=r.shop,
            order_id=r.order_id,
            points=r.points,
            value_minor=Money(r.value_minor),
            entry_id=strawberry.ID(str(r.entry_id)),
            cancelled_at=r.cancelled_at,
        )


@strawberry.type(name="OrderPoints", description="What a receipt prints about points.")
class OrderPointsType:
    shop: str
    order_id: str
    customer_id: strawberry.ID
    points_earned: int = strawberry.field(description="Earned on the order, net of refunds.")
    points_used: int = strawberry.field(
        description="Spent as payment on the order, net of points given back by refunds."
    )
    value_redeemed_minor: Money
    balance: int = strawberry.field(description="The customer's balance now.")


@strawberry.type(name="Hold", description="Points reserved for a checkout.")
class HoldType:
    id: strawberry.ID
    customer_id: strawberry.ID
    points: int
    status: str = strawberry.field(description="ACTIVE, CAPTURED, RELEASED or EXPIRED.")
    shop: str
    order_id: str
    value_minor: Money = strawberry.field(description="What the held points pay on the order.")
    expires_at: datetime
    entry_id: strawberry.ID | None = strawberry.field(description="The debit of a capture.")

    @classmethod
    def of(cls, h: Hold) -> HoldType:
        return cls(
            id=strawberry.ID(str(h.id)),
            customer_id=strawberry.ID(str(h.customer_id)),
            points=h.points,
            status=h.status,
            shop=h.shop,
            order_id=h.order_id,
            value_minor=Money(h.value_minor),
            expires_at=h.expires_at,
            entry_id=strawberry.ID(str(h.entry_id)) if h.entry_id else None,
        )
