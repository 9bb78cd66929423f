"""Voucher GraphQL types, converted from domain objects at the edge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from domain.vouchers.conversion import ConversionRate
from domain.vouchers.models import Voucher, VoucherBatch, VoucherTerms
from domain.vouchers.queries import VoucherUse
from domain.vouchers.redeeming import VoucherCheck
from schema.context import Info
from schema.customers.types import CustomerType, load_customer
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scalars import Money
from schema.vouchers.enums import (
    VoucherKindEnum,
    VoucherReasonEnum,
    VoucherSourceEnum,
    VoucherStatusEnum,
)


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _money(value: int | None) -> Money | None:
    return Money(value) if value is not None else None


# Where tessera.exports serves a batch's codes as CSV (the route and csvPath share it).
VOUCHER_BATCH_CSV = "/exports/voucher-batches/{batch_id}.csv"


@strawberry.interface(name="VoucherTerms", description="What a voucher gives, and when.")
class VoucherTermsType:
    kind: VoucherKindEnum  # type: ignore[valid-type]
    value_minor: Money | None = strawberry.field(description="FIXED_AMOUNT: the amount off.")
    percent_bp: int | None = strawberry.field(
        description="PERCENT: basis points of the cart, rounded down (1000 = 10%)."
    )
    gift_sku: str | None = strawberry.field(description="GIFT_ITEM: one unit of it is free.")
    valid_from: datetime | None
    valid_until: datetime | None = strawberry.field(description="Exclusive; null: no end.")
    max_uses: int | None = strawberry.field(description="1: single use; null: unlimited.")
    min_cart_minor: Money


def terms_fields(t: VoucherTerms) -> dict[str, Any]:
    return {
        "kind": t.kind,
        "value_minor": _money(t.value_minor),
        "percent_bp": t.percent_bp,
        "gift_sku": t.gift_sku,
        "valid_from": t.valid_from,
        "valid_until": t.valid_until,
        "max_uses": t.max_uses,
        "min_cart_minor": Money(t.min_cart_minor),
    }


@strawberry.type(name="VoucherRedemption", description="One use of a code.")
class VoucherRedemptionType:
    id: strawberry.ID
    voucher_id: strawberry.ID
    customer_id: strawberry.ID | None
    shop: str
    order_id: str
    discount_minor: Money = strawberry.field(description="What the code took off the order.")
    created_at: datetime
    cancelled_at: datetime | None = strawberry.field(
        description="When the use was cancelled and the code's use given back (the order's "
        "sale was not recorded); null while it stands."
    )
    customer_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, u: VoucherUse) -> VoucherRedemptionType:
        return cls(
            id=strawberry.ID(str(u.id)),
            voucher_id=strawberry.ID(str(u.voucher_id)),
            customer_id=_id(u.customer_id),
            shop=u.shop,
            order_id=u.order_id,
            discount_minor=Money(u.discount_minor),
            created_at=u.created_at,
            cancelled_at=u.cancelled_at,
            customer_pk=u.customer_id,
        )

    @strawberry.field
    async def customer(self, info: Info) -> CustomerType | None:
        return await load_customer(info, self.customer_pk)


@strawberry.type(name="Voucher")
class VoucherType(VoucherTermsType):
    id: strawberry.ID
    code: str
    batch_id: strawberry.ID | None
    source: VoucherSourceEnum  # type: ignore[valid-type]
    uses: int = strawberry.field(description="How many times it was redeemed.")
    status: VoucherStatusEnum  # type: ignore[valid-type]
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer it is assigned to: only they may redeem it."
    )
    assigned_at: datetime | None
    disabled_at: datetime | None
    created_at: datetime
    voucher_pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, v: Voucher) -> VoucherType:
        return cls(
            id=strawberry.ID(str(v.id)),
            code=v.code,
            batch_id=_id(v.batch_id),
            source=v.source,
            uses=v.uses,
            status=v.status,
            customer_id=_id(v.customer_id),
            assigned_at=v.assigned_at,
            disabled_at=v.disabled_at,
            created_at=v.created_at,
            voucher_pk=v.id,
            customer_pk=v.customer_id,
            **terms_fields(v.terms),
        )

    @strawberry.field
    async def customer(self, info: Info) -> CustomerType | None:
        return await load_customer(info, self.customer_pk)

    @strawberry.field(description="Each use, newest first.")
    async def redemptions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[VoucherRedemptionType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("VoucherRedemption", after)
        page = await info.context.loaders.voucher_uses.load((self.voucher_pk, (limit, after_id)))
        return connection(
            [VoucherRedemptionType.of(u) for u in page.items], page.has_next, "VoucherRedemption"
        )


@strawberry.type(name="VoucherBatch")
class VoucherBatchType(VoucherTermsType):
    id: strawberry.ID
    name: str
    prefix: str
    count: int
    code_length: int = strawberry.field(description="Random characters after the prefix.")
    created_at: datetime
    csv_path: str = strawberry.field(
        description="GET it with the same staff token (MANAGE_VOUCHERS) for a CSV of the codes."
    )

    @classmethod
    def of(cls, b: VoucherBatch) -> VoucherBatchType:
        return cls(
            id=strawberry.ID(str(b.id)),
            name=b.name,
            prefix=b.prefix,
            count=b.count,
            code_length=b.code_length,
            created_at=b.created_at,
            csv_path=VOUCHER_BATCH_CSV.format(batch_id=b.id),
            **terms_fields(b.terms),
        )


@strawberry.type(name="VoucherCheck", description="Whether a code applies to a cart.")
class VoucherCheckType:
    code: str = strawberry.field(description="The code as normalised (trimmed, capitals).")
    voucher: VoucherType | None
    applies: bool
    discount_minor: Money = strawberry.field(description="What it would take off (0 if not).")
    reasons: list[VoucherReasonEnum]  # type: ignore[valid-type]

    @classmethod
    def of(cls, c: VoucherCheck) -> VoucherCheckType:
        return cls(
            code=c.code,
            voucher=VoucherType.of(c.voucher) if c.voucher else None,
            applies=c.verdict.applies,
            discount_minor=Money(c.verdict.discount_minor),
            reasons=list(c.verdict.reasons),
        )


@strawberry.type(
    name="VoucherConversion",
    description="pointsPerUnit points buy valuePerUnitMinor of voucher value.",
)
class VoucherConversionType:
    enabled: bool
    points_per_unit: int
    value_per_unit_minor: Money
    validity_days: int | None = strawberry.field(description="Null: the vouchers never end.")
    min_value_minor: Money
    max_value_minor: Money | None

    @classmethod
    def of(cls, r: ConversionRate) -> VoucherConversionType:
        return cls(
            enabled=r.enabled,
            points_per_unit=r.points_per_unit,
            value_per_unit_minor=Money(r.value_per_unit_minor),
            validity_days=r.validity_days,
            min_value_minor=Money(r.min_value_minor),
            max_value_minor=_money(r.max_value_minor),
        )
