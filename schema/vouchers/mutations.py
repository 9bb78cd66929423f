"""Voucher mutations: batches, assignments, disabling, redemptions at the till, points
converted into vouchers and the conversion's settings; each returns a payload with
userErrors."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.vouchers import batches, cancelling, conversion, redeeming
from domain.vouchers.models import VoucherKind, VoucherTerms
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.ledger.types import PointsSummaryType
from schema.permissions import requires
from schema.throttle import VoucherAttempts
from schema.vouchers.inputs import (
    AssignVoucherInput,
    CancelVoucherRedemptionInput,
    ConvertPointsToVoucherInput,
    CreateVoucherBatchInput,
    DisableVouchersInput,
    RedeemVoucherInput,
    UpdateVoucherConversionInput,
)
from schema.vouchers.types import (
    VoucherBatchType,
    VoucherConversionType,
    VoucherRedemptionType,
    VoucherType,
)


@strawberry.type
class VoucherBatchPayload:
    batch: VoucherBatchType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VoucherPayload:
    voucher: VoucherType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DisableVouchersPayload:
    disabled_count: int = strawberry.field(default=0, description="Codes disabled by this call.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RedeemVoucherPayload:
    redemption: VoucherRedemptionType | None = None
    voucher: VoucherType | None = strawberry.field(
        default=None, description="After this use (or its cancellation)."
    )
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ConvertPointsToVoucherPayload:
    voucher: VoucherType | None = None
    points_spent: int = 0
    points: PointsSummaryType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VoucherConversionPayload:
    conversion: VoucherConversionType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VoucherMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_VOUCHERS)])
    @payload_on_error(VoucherBatchPayload)
    async def create_voucher_batch(
        self, info: Info, input: CreateVoucherBatchInput
    ) -> VoucherBatchPayload:
        terms = VoucherTerms(
            VoucherKind(input.kind),
            input.value_minor,
            input.percent_bp,
            input.gift_sku,
            input.valid_from,
            input.valid_until,
            input.max_uses,
            input.min_cart_minor,
        )
        request = batches.BatchRequest(
            input.name, input.count, terms, input.prefix, input.code_length
        )
        batch = await batches.create_voucher_batch(
            info.context.new_uow(), request, input.idempotency_key, info.context.principal.actor
        )
        return VoucherBatchPayload(batch=VoucherBatchType.of(batch), replayed=batch.replayed)

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_VOUCHERS)])
    @payload_on_error(VoucherPayload)
    async def assign_voucher(self, info: Info, input: AssignVoucherInput) -> VoucherPayload:
        voucher = await batches.assign_voucher(
            info.context.new_uow(), input.code, input.customer_id
        )
        return VoucherPayload(voucher=VoucherType.of(voucher))

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_VOUCHERS)])
    @payload_on_error(DisableVouchersPayload)
    async def disable_vouchers(
        self, info: Info, input: DisableVouchersInput
    ) -> DisableVouchersPayload:
        count = await batches.disable_vouchers(info.context.new_uow(), input.code, input.batch_id)
        return DisableVouchersPayload(disabled_count=count)

    @strawberry.mutation(
        permission_classes=[requires(Permission.REDEEM_POINTS), VoucherAttempts],
        description="Use a code on an order; a code is never used beyond its maxUses.",
    )
    @payload_on_error(RedeemVoucherPayload)
    async def redeem_voucher(self, info: Info, input: RedeemVoucherInput) -> RedeemVoucherPayload:
        request = redeeming.VoucherUseRequest(
            input.code,
            [line.to_domain() for line in input.cart],
            input.customer_id,
            input.shop,
            input.order_id,
        )
        done = await redeeming.redeem_voucher(
            info.context.new_uow(), request, input.idempotency_key, info.context.principal.actor
        )
        return RedeemVoucherPayload(
            redemption=VoucherRedemptionType.of(done.use),
            voucher=VoucherType.of(done.voucher),
            replayed=done.replayed,
        )

    @strawberry.mutation(
        permission_classes=[requires(Permission.REDEEM_POINTS)],
        description="Give back a code's use on an order whose sale is not recorded (a failed "
        "payment, an abandoned sale): the code may be used again; afterwards, the use stands.",
    )
    @payload_on_error(RedeemVoucherPayload)
    async def cancel_voucher_redemption(
        self, info: Info, input: CancelVoucherRedemptionInput
    ) -> RedeemVoucherPayload:
        done = await cancelling.cancel_voucher_use(
            info.context.new_uow(), input.redemption_id, info.context.principal.actor
        )
        return RedeemVoucherPayload(
            redemption=VoucherRedemptionType.of(done.use),
            voucher=VoucherType.of(done.voucher),
            replayed=done.replayed,
        )

    @strawberry.mutation(permission_classes=[requires(Permission.REDEEM_POINTS)])
    @payload_on_error(ConvertPointsToVoucherPayload)
    async def convert_points_to_voucher(
        self, info: Info, input: ConvertPointsToVoucherInput
    ) -> ConvertPointsToVoucherPayload:
        done = await conversion.convert_points_to_voucher(
            info.context.new_uow(),
            input.customer_id,
            input.value_minor,
            input.idempotency_key,
            info.context.principal.actor,
        )
        return ConvertPointsToVoucherPayload(
            voucher=VoucherType.of(done.voucher),
            points_spent=done.points,
            points=PointsSummaryType.of(done.account),
            replayed=done.replayed,
        )

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_REDEMPTION_RULES)])
    @payload_on_error(VoucherConversionPayload)
    async def update_voucher_conversion(
        self, info: Info, input: UpdateVoucherConversionInput
    ) -> VoucherConversionPayload:
        changes = changed_fields(
            input,
            required=(
                "enabled",
                "points_per_unit",
                "value_per_unit_minor",
                "min_value_minor",
            ),
            nullable=("validity_days", "max_value_minor"),
        )
        updated = await conversion.update_conversion(info.context.new_uow(), changes)
        return VoucherConversionPayload(conversion=VoucherConversionType.of(updated))
