"""Checkout mutations: points as payment (redeemed at once, or held then captured or
released), cancellations, and the redemption rules; each returns a payload with
userErrors."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.checkout import cancellations, holds, redemptions, rules
from domain.checkout.holds import Hold
from schema.checkout.inputs import (
    CancelRedemptionInput,
    HoldIdInput,
    HoldPointsInput,
    RedeemPointsInput,
    UpdateRedemptionRulesInput,
)
from schema.checkout.types import HoldType, RedemptionRulesType, RedemptionType
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.ledger.types import PointsSummaryType
from schema.permissions import requires


@strawberry.type
class RedeemPointsPayload:
    redemption: RedemptionType | None = None
    points: PointsSummaryType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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
