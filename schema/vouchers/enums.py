"""Voucher enums, apart from the types so that other areas' types can use them."""

from __future__ import annotations

import strawberry

from domain.vouchers.discounts import VoucherReason
from domain.vouchers.models import VoucherKind, VoucherSource, VoucherStatus

VoucherKindEnum = strawberry.enum(VoucherKind, name="VoucherKind")
VoucherStatusEnum = strawberry.enum(
    VoucherStatus, name="VoucherStatus", description="A code's state now."
)
VoucherSourceEnum = strawberry.enum(VoucherSource, name="VoucherSource")
VoucherReasonEnum = strawberry.enum(
    VoucherReason, name="VoucherReason", description="Why a voucher does not apply."
)
