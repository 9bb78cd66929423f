"""Checkout queries and mutations."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.checkout import cancellations, holds, redemptions, rules, services
from domain.checkout.holds import Hold
from domain.errors import DomainError
from schema.checkout.types import (
    CartLineInput,
    HoldType,
    OrderPointsType,
    ProductRuleKind,
    RedemptionQuoteType,
    RedemptionRulesType,
    RedemptionType,
)
from schema.context import Info
from schema.errors import UserError, payload_on_error, query_error
from schema.inputs import changed_fields
from schema.ledger.types import PointsSummaryType
from schema.permissions import requires
from schema.scalars import Money


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


@strawberry.type
class RedeemPointsPayload:
    redemption: RedemptionType | None = None
    points: PointsSummaryType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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


@strawberry.type
class HoldPayload:
    hold: HoldType | None = None
    points: PointsSummaryType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _hold_payload(hold: Hold) -> HoldPayload:
    return HoldPayload(
        hold=HoldType.of(hold), points=PointsSummaryType.of(hold.account), replayed=hold.replayed
    )


@strawberry.type
class RedemptionRulesPayload:
    rules: RedemptionRulesType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


_NULLABLE = ("max_discount_minor", "max_discount_bp")
_REQUIRED = (
    "points_per_unit",
    "value_per_unit_minor",
    "min_balance_points",
    "min_cart_minor",
    "exclude_discounted",
    "earn_on_points_paid",
)


@strawberry.type
class CheckoutQueries:
    @strawberry.field(permission_classes=[requires(Permission.VIEW_POINTS)])
    async def redemption_rules(self, info: Info) -> RedemptionRulesType:
        async with info.context.new_uow() as uow:
            return RedemptionRulesType.of(await rules.get_rules(uow))

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="What this customer's points can pay on this cart (on the order, when "
        "named: net of what points and vouchers already took off it); writes nothing.",
    )
    async def quote_redemption(
        self,
        info: Info,
        customer_id: strawberry.ID,
        cart: list[CartLineInput],
        order_id: str | None = None,
        shop: str = "default",
    ) -> RedemptionQuoteType:
        try:
            found = await services.quote_redemption(
                info.context.new_uow(),
                customer_id,
                [line.to_domain() for line in cart],
                order_id,
                shop,
            )
        except DomainError as error:
            raise query_error(error) from error
        return RedemptionQuoteType.of(found)

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="Points earned and used on an order, for receipts.",
    )
    async def order_points(
        self, info: Info, order_id: str, shop: str = "default"
    ) -> OrderPointsType | None:
        try:
            found = await redemptions.order_points(info.context.new_uow(), shop, order_id)
        except DomainError:
            return None
        return OrderPointsType(
            shop=shop,
            order_id=order_id,
            customer_id=strawberry.ID(str(found.customer_id)),
            points_earned=found.points_earned,
            points_used=found.points_used,
            value_redeemed_minor=Money(found.value_redeemed_minor),
            balance=found.balance,
        )


@strawberry.type
class CheckoutMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.REDEEM_POINTS)])
    @payload_on_error(HoldPayload)
    async def hold_points(self, info: Info, input: HoldPointsInput) -> HoldPayload:
        return _hold_payload(
            await holds.hold_points(
                info.context.new_uow(),
                input.customer_id,
                input.points,
                input.idempotency_key,
                input.order_id,
                [line.to_domain() for line in input.cart],
                input.shop,
                input.ttl_seconds,
            )
        )

    @strawberry.mutation(
        permission_classes=[requires(Permission.REDEEM_POINTS)],
        description="At payment: the hold becomes a redemption on its order.",
    )
    @payload_on_error(HoldPayload)
    async def capture_hold(self, info: Info, input: HoldIdInput) -> HoldPayload:
        return _hold_payload(
            await holds.capture_hold(
                info.context.new_uow(), input.hold_id, info.context.principal.actor
            )
        )

    @strawberry.mutation(permission_classes=[requires(Permission.REDEEM_POINTS)])
    @payload_on_error(HoldPayload)
    async def release_hold(self, info: Info, input: HoldIdInput) -> HoldPayload:
        return _hold_payload(await holds.release_hold(info.context.new_uow(), input.hold_id))

    @strawberry.mutation(permission_classes=[requires(Permission.REDEEM_POINTS)])
    @payload_on_error(RedeemPointsPayload)
    async def redeem_points(self, info: Info, input: RedeemPointsInput) -> RedeemPointsPayload:
        done = await redemptions.redeem_points(
            info.context.new_uow(),
            input.customer_id,
            input.shop,
            input.order_id,
            input.points,
            [line.to_domain() for line in input.cart],
            input.idempotency_key,
            info.context.principal.actor,
        )
        return RedeemPointsPayload(
            redemption=RedemptionType.of(done),
            points=PointsSummaryType.of(done.account),
            replayed=done.replayed,
        )

    @strawberry.mutation(
        permission_classes=[requires(Permission.REDEEM_POINTS)],
        description="Give a redemption's points back while its order's sale is not recorded "
        "(a failed payment, an abandoned invoice); afterwards, refund the order.",
    )
    @payload_on_error(RedeemPointsPayload)
    async def cancel_redemption(
        self, info: Info, input: CancelRedemptionInput
    ) -> RedeemPointsPayload:
        done = await cancellations.cancel_redemption(
            info.context.new_uow(), input.redemption_id, info.context.principal.actor
        )
        return RedeemPointsPayload(
            redemption=RedemptionType.of(done),
            points=PointsSummaryType.of(done.account),
            replayed=done.replayed,
        )

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_REDEMPTION_RULES)])
    @payload_on_error(RedemptionRulesPayload)
    async def update_redemption_rules(
        self, info: Info, input: UpdateRedemptionRulesInput
    ) -> RedemptionRulesPayload:
        changes = changed_fields(input, _REQUIRED, _NULLABLE)
        updated = await rules.update_rules(
            info.context.new_uow(),
            changes,
            [(r.kind.value, r.key, r.payable) for r in input.product_rules or []],
            [(r.kind.value, r.key) for r in input.remove_product_rules or []],
        )
        return RedemptionRulesPayload(rules=RedemptionRulesType.of(updated))
