"""Voucher GraphQL inputs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.vouchers.batches import MAX_BATCH_SIZE
from schema.checkout.inputs import CartLineInput
from schema.scalars import Money
from schema.vouchers.enums import VoucherKindEnum, VoucherStatusEnum


@strawberry.input(name="VoucherFilter", description="Every given criterion must match.")
class VoucherFilterInput:
    batch_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    status: VoucherStatusEnum | None = None  # type: ignore[valid-type]
    code: str | None = None


@strawberry.input(description="N new codes with the same terms; give the one value the kind uses.")
class CreateVoucherBatchInput:
    name: str
    count: int = strawberry.field(description=f"1 to {MAX_BATCH_SIZE}.")
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


@strawberry.input(description="Reserve a code for one customer: only they may redeem it.")
class AssignVoucherInput:
    code: str
    customer_id: strawberry.ID


@strawberry.input(description="Disable one code or a whole batch (give one of them), for good.")
class DisableVouchersInput:
    code: str | None = None
    batch_id: strawberry.ID | None = None


@strawberry.input(description="Give back a voucher's use on an order whose sale is not recorded.")
class CancelVoucherRedemptionInput:
    redemption_id: strawberry.ID


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


@strawberry.input(description="Buy a voucher worth valueMinor with points.")
class ConvertPointsToVoucherInput:
    customer_id: strawberry.ID
    value_minor: Money
    idempotency_key: str


@strawberry.input(description="Fields left out stay as they are; null removes a bound.")
class UpdateVoucherConversionInput:
    enabled: bool | None = strawberry.UNSET
    points_per_unit: int | None = strawberry.UNSET
    value_per_unit_minor: Money | None = strawberry.UNSET
    validity_days: int | None = strawberry.UNSET
    min_value_minor: Money | None = strawberry.UNSET
    max_value_minor: Money | None = strawberry.UNSET
