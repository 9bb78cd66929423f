"""Checkout GraphQL inputs."""

from __future__ import annotations

import strawberry

from domain.checkout.quote import CartLine
from schema.checkout.types import ProductRuleKind
from schema.scalars import Money


@strawberry.input(description="A line of the cart being paid for.")
class CartLineInput:
    sku: str
    quantity: int
    unit_price_minor: Money
    discounted: bool = strawberry.field(default=False, description="Already discounted.")
    product_line: str | None = None

    def to_domain(self) -> CartLine:
        return CartLine(
            self.sku, self.quantity, self.unit_price_minor, self.discounted, self.product_line
        )


@strawberry.input
class RedemptionProductRuleInput:
    kind: ProductRuleKind
    key: str
    payable: bool


@strawberry.input
class RedemptionProductKeyInput:
    kind: ProductRuleKind
    key: str


@strawberry.input(description="Fields left out stay as they are; null removes a cap.")
class UpdateRedemptionRulesInput:
    points_per_unit: int | None = strawberry.UNSET
    value_per_unit_minor: Money | None = strawberry.UNSET
    min_balance_points: int | None = strawberry.UNSET
    min_cart_minor: Money | None = strawberry.UNSET
    max_discount_minor: Money | None = strawberry.UNSET
    max_discount_bp: int | None = strawberry.UNSET
    exclude_discounted: bool | None = strawberry.UNSET
    earn_on_points_paid: bool | None = strawberry.UNSET
    product_rules: list[RedemptionProductRuleInput] | None = strawberry.UNSET
    remove_product_rules: list[RedemptionProductKeyInput] | None = strawberry.UNSET


@strawberry.input(description="Pay part of an order with points (at most the cart's quote).")
class RedeemPointsInput:
    customer_id: strawberry.ID
    order_id: str
    points: int
    cart: list[CartLineInput]
    idempotency_key: str
    shop: str = "default"


@strawberry.input
class CancelRedemptionInput:
    redemption_id: strawberry.ID


@strawberry.input(
    description="Reserve points to pay part of an order (at most the cart's quote) until "
    "captured, released or expired."
)
class HoldPointsInput:
    customer_id: strawberry.ID
    order_id: str
    points: int
    cart: list[CartLineInput]
    idempotency_key: str
    shop: str = "default"
    ttl_seconds: int | None = strawberry.field(default=None, description="15 minutes if omitted.")


@strawberry.input
class HoldIdInput:
    hold_id: strawberry.ID
