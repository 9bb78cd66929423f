"""Purchase, refund and earning-rule GraphQL types."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.purchases.earning import OverrideMode, PurchaseStatus
from domain.purchases.earning_rules import EarningRulesView
from domain.purchases.line_discounts import off_the_lines_minor
from domain.purchases.models import Purchase, Refund
from schema.pricing.types import DiscountSourceEnum
from schema.scalars import Money

PurchaseStatusEnum = strawberry.enum(PurchaseStatus, name="PurchaseStatus")
OverrideModeEnum = strawberry.enum(
    OverrideMode,
    name="ProductEarningMode",
    description="FIXED_PER_UNIT: value points per unit; PERCENT: value basis points of the "
    "line amount in major units (1000 = 10%: a 50.00 line earns 5); EXCLUDED: earns nothing.",
)


@strawberry.enum
class PurchaseChannel(Enum):
    POS = "POS"
    WEB = "WEB"
    INVOICE = "INVOICE"


@strawberry.type(name="PurchaseLine")
class PurchaseLineType:
    sku: str
    quantity: int
    unit_price_minor: Money
    discounted: bool
    refunded_quantity: int
    product_line: str | None = None


@strawberry.type(
    name="PurchaseLineDiscount", description="What one source took off one line of a sale."
)
class PurchaseLineDiscountType:
    line_no: int = strawberry.field(description="1 for the first line.")
    source: DiscountSourceEnum  # type: ignore[valid-type]
    source_id: strawberry.ID
    amount_minor: Money


@strawberry.type(name="Purchase")
class PurchaseType:
    id: strawberry.ID
    shop: str
    order_id: str
    customer_id: strawberry.ID
    channel: str
    status: PurchaseStatusEnum  # type: ignore[valid-type]
    total_minor: Money
    occurred_at: datetime
    points_earned: int
    awarded_at: datetime | None
    lines: list[PurchaseLineType]
    line_discounts: list[PurchaseLineDiscountType] = strawberry.field(
        default_factory=list,
        description="What the customer was given off each line and by what, as recorded.",
    )
    card_discounts_minor: Money = strawberry.field(
        default=Money(0),
        description="What cards and a current discount took off the lines (not paid).",
    )

    @classmethod
    def of(cls, p: Purchase) -> PurchaseType:
        return cls(
            id=strawberry.ID(str(p.id)),
            shop=p.shop,
            order_id=p.order_id,
            customer_id=strawberry.ID(str(p.customer_id)),
            channel=p.channel,
            status=p.status,
            total_minor=Money(p.total_minor),
            occurred_at=p.occurred_at,
            points_earned=p.points_earned,
            awarded_at=p.awarded_at,
            lines=[
                PurchaseLineType(
                    sku=ln.sku,
                    quantity=ln.quantity,
                    unit_price_minor=Money(ln.unit_price_minor),
                    discounted=ln.discounted,
                    refunded_quantity=ln.refunded_quantity,
                    product_line=ln.product_line,
                )
                for ln in p.lines
            ],
            line_discounts=[
                PurchaseLineDiscountType(
                    line_no=d.line_no,
                    source=d.source,
                    source_id=strawberry.ID(str(d.source_id)),
                    amount_minor=Money(d.amount_minor),
                )
                for d in p.discounts
            ],
            card_discounts_minor=Money(off_the_lines_minor(p.discounts)),
        )


@strawberry.type(name="Refund")
class RefundType:
    id: strawberry.ID
    amount_minor: Money
    points_due: int = strawberry.field(description="Earned points the refunded part carried.")
    points_taken: int = strawberry.field(description="Points actually taken back.")
    points_uncollected: int = strawberry.field(
        description="Points already spent, so not taken back (the balance never goes negative)."
    )
    points_expired: int = strawberry.field(
        description="Points that had already expired from the order's lot, so not taken again."
    )
    entry_id: strawberry.ID | None
    points_returned: int = strawberry.field(
        description="Points that paid for the refunded part, given back to the customer."
    )
    value_returned_minor: Money = strawberry.field(
        description="What those points paid: this part of the refund is given back in points, "
        "the rest in money."
    )
    return_entry_id: strawberry.ID | None = strawberry.field(
        description="The REDEMPTION_REFUND entry that gave the points back."
    )

    @classmethod
    def of(cls, r: Refund) -> RefundType:
        return cls(
            id=strawberry.ID(str(r.id)),
            amount_minor=Money(r.amount_minor),
            points_due=r.points_due,
            points_taken=r.points_taken,
            points_uncollected=r.points_uncollected,
            points_expired=r.points_expired,
            entry_id=strawberry.ID(str(r.entry_id)) if r.entry_id else None,
            points_returned=r.points_returned,
            value_returned_minor=Money(r.value_returned_minor),
            return_entry_id=strawberry.ID(str(r.return_entry_id)) if r.return_entry_id else None,
        )


@strawberry.type
class ProductEarningOverride:
    sku: str
    mode: OverrideModeEnum  # type: ignore[valid-type]
    value: int


@strawberry.type(description="Points per product type: a SKU's own override wins over it.")
class ProductLineEarningOverride:
    product_line: str
    mode: OverrideModeEnum  # type: ignore[valid-type]
    value: int


@strawberry.type(name="EarningRules", description="points_per_unit points per spend_unit_minor.")
class EarningRulesType:
    points_per_unit: int
    spend_unit_minor: Money
    award_status: PurchaseStatusEnum  # type: ignore[valid-type]
    min_order_minor: Money
    exclude_discounted: bool
    product_overrides: list[ProductEarningOverride]
    product_line_overrides: list[ProductLineEarningOverride]

    @classmethod
    def of(cls, view: EarningRulesView) -> EarningRulesType:
        rule = view.rule
        return cls(
            points_per_unit=rule.points_per_unit,
            spend_unit_minor=Money(rule.spend_unit_minor),
            award_status=rule.award_status,
            min_order_minor=Money(rule.min_order_minor),
            exclude_discounted=rule.exclude_discounted,
            product_overrides=[
                ProductEarningOverride(sku=k, mode=m, value=v)
                for k, (m, v) in view.overrides.items()
            ],
            product_line_overrides=[
                ProductLineEarningOverride(product_line=k, mode=m, value=v)
                for k, (m, v) in view.line_overrides.items()
            ],
        )
