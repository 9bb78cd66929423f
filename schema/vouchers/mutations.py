"""Voucher mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.vouchers import batches, conversion, redeeming
from domain.vouchers.models import VoucherKind, VoucherTerms
from schema.checkout.types import CartLineInput
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.ledger.types import PointsSummaryType
from schema.permissions import requires
from schema.scalars import Money
from schema.throttle import VoucherAttempts
from schema.vouchers.enums import VoucherKindEnum
from schema.vouchers.types import (
    VoucherBatchType,
    VoucherConversionType,
    VoucherRedemptionType,
    VoucherType,
)


@strawberry.input(description="N new codes with the same terms; give the one value the kind uses.")
class CreateVoucherBatchInput:
    name: str
    count: int = strawberry.field(description=f"1 to {batches.MAX_BATCH_SIZE}.")
    kind: VoucherKindEnum  # type: ignore[valid-type]
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first batch and writes nothing."
    )
    value_minor: Money | None = None
    percent_bp: int | None = None
    gift_sku: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    max_uses: int | None = strawberry.field(
        default=1, description="1: single use (the default); null: unlimited."
    )
    min_cart_minor: Money = Money(0)
    prefix: str | None = strawberry.field(default=None, description="Letters, digits and '-'.")
    code_length: int | None = strawberry.field(
        default=None, description="Random characters after the prefix: 10 to 32, 12 by default."
    )


@strawberry.type
class VoucherBatchPayload:
    batch: VoucherBatchType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Reserve a code for one customer: only they may redeem it.")
class AssignVoucherInput:
    code: str
    customer_id: strawberry.ID


@strawberry.type
class VoucherPayload:
    voucher: VoucherType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Disable one code or a whole batch (give one of them), for good.")
class DisableVouchersInput:
    code: str | None = None
    batch_id: strawberry.ID | None = None


@strawberry.type
class DisableVouchersPayload:
    disabled_count: int = strawberry.field(default=0, description="Codes disabled by this call.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Use a code on an order.")
class RedeemVoucherInput:
    code: str
    order_id: str
    cart: list[CartLineInput]
    idempotency_key: str
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for a code assigned to a customer."
    )
    shop: str = "default"


@strawberry.type
class RedeemVoucherPayload:
    redemption: VoucherRedemptionType | None = None
    voucher: VoucherType | None = strawberry.field(default=None, description="After this use.")
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Buy a voucher worth valueMinor with points.")
class ConvertPointsToVoucherInput:
    customer_id: strawberry.ID
    value_minor: Money
    idempotency_key: str


@strawberry.type
class ConvertPointsToVoucherPayload:
    voucher: VoucherType | None = None
    points_spent: int = 0
    points: PointsSummaryType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Fields left out stay as they are; null removes a bound.")
class UpdateVoucherConversionInput:
    enabled: bool | None = strawberry.UNSET
    points_per_unit: int | None = strawberry.UNSET
    value_per_unit_minor: Money | None = strawberry.UNSET
    validity_days: int | None = strawberry.UNSET
    min_value_minor: Money | None = strawberry.UNSET
    max_value_minor: Money | None = strawberry.UNSET


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
