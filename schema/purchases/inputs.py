"""Purchase, refund and earning-rule inputs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.pricing.types import DiscountSourceEnum
from schema.purchases.types import OverrideModeEnum, PurchaseChannel, PurchaseStatusEnum
from schema.scalars import Money


@strawberry.input(
    description="What one source took off the line, as priceCart's contributions say: a "
    "PRICE_RULE amount is already out of unitPriceMinor (recorded for its cost); CARD and "
    "CURRENT_DISCOUNT amounts come off the line's amount."
)
class LineDiscountInput:
    source: DiscountSourceEnum  # type: ignore[valid-type]
    source_id: strawberry.ID
    amount_minor: Money


@strawberry.input
class PurchaseLineInput:
    sku: str
    quantity: int
    unit_price_minor: Money
    discounted: bool = strawberry.field(default=False, description="Already discounted.")
    product_line: str | None = strawberry.field(
        default=None,
        description="The product line (type) of the SKU: overrides and promotions by line.",
    )
    discounts: list[LineDiscountInput] = strawberry.field(
        default_factory=list,
        description="What the customer was given off this line (at most 20), checked "
        "against the customer: cards active and theirs, the current discount open.",
    )


@strawberry.input(description="Give the customer by customerId or by cardCode.")
class RecordPurchaseInput:
    order_id: str = strawberry.field(description="Unique per shop.")
    status: PurchaseStatusEnum  # type: ignore[valid-type]
    lines: list[PurchaseLineInput]
    customer_id: strawberry.ID | None = None
    card_code: str | None = None
    shop: str = "default"
    channel: PurchaseChannel = PurchaseChannel.POS
    occurred_at: datetime | None = None


@strawberry.input
class RefundLineInput:
    sku: str
    quantity: int


@strawberry.input(description="Leave lines out to refund everything not refunded yet.")
class RefundPurchaseInput:
    order_id: str
    idempotency_key: str
    shop: str = "default"
    lines: list[RefundLineInput] | None = None


@strawberry.input
class ProductOverrideInput:
    sku: str
    mode: OverrideModeEnum  # type: ignore[valid-type]
    value: int = 0


@strawberry.input
class ProductLineOverrideInput:
    product_line: str
    mode: OverrideModeEnum  # type: ignore[valid-type]
    value: int = 0


@strawberry.input(description="Fields left out stay as they are.")
class UpdateEarningRulesInput:
    points_per_unit: int | None = strawberry.UNSET
    spend_unit_minor: Money | None = strawberry.UNSET
    award_status: PurchaseStatusEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    min_order_minor: Money | None = strawberry.UNSET
    exclude_discounted: bool | None = strawberry.UNSET
    product_overrides: list[ProductOverrideInput] | None = strawberry.UNSET
    remove_product_overrides: list[str] | None = strawberry.UNSET
    product_line_overrides: list[ProductLineOverrideInput] | None = strawberry.UNSET
    remove_product_line_overrides: list[str] | None = strawberry.UNSET
