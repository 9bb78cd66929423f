"""Voucher queries."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError
from domain.vouchers import conversion, queries, redeeming
from schema.checkout.types import CartLineInput
from schema.context import Info
from schema.errors import query_error
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires
from schema.throttle import VoucherAttempts
from schema.vouchers.types import (
    VoucherBatchType,
    VoucherCheckType,
    VoucherConversionType,
    VoucherFilterInput,
    VoucherType,
)


@strawberry.type
class VoucherQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.REDEEM_POINTS), VoucherAttempts],
        description="Whether a code applies to this cart (for this customer, on this order "
        "when given) and what it would take off; writes nothing.",
    )
    async def check_voucher(
        self,
        info: Info,
        code: str,
        cart: list[CartLineInput],
        customer_id: strawberry.ID | None = None,
        order_id: str | None = None,
        shop: str = "default",
    ) -> VoucherCheckType:
        request = redeeming.VoucherUseRequest(
            code, [line.to_domain() for line in cart], customer_id, shop, order_id
        )
        try:
            found = await redeeming.check_voucher(info.context.new_uow(), request)
        except DomainError as error:
            raise query_error(error) from error
        return VoucherCheckType.of(found)

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_VOUCHERS)],
        description="A code (as typed: trimmed, any case) with its usage.",
    )
    async def voucher(self, info: Info, code: str) -> VoucherType | None:
        found = await queries.get_voucher(info.context.new_uow(), code)
        return VoucherType.of(found) if found else None

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_VOUCHERS)],
        description="Vouchers in the order they were made.",
    )
    async def vouchers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: VoucherFilterInput | None = None,
    ) -> Connection[VoucherType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("Voucher", after)
        wanted = filter or VoucherFilterInput()
        domain_filter = queries.VoucherFilter(
            wanted.batch_id, wanted.customer_id, wanted.status, wanted.code
        )
        try:
            page = await queries.find_vouchers(
                info.context.new_uow(), domain_filter, limit, after_id
            )
        except DomainError as error:
            raise query_error(error) from error
        return connection([VoucherType.of(v) for v in page.items], page.has_next, "Voucher")

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_VOUCHERS)],
        description="Batches, newest first.",
    )
    async def voucher_batches(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[VoucherBatchType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("VoucherBatch", after)
        page = await queries.find_batches(info.context.new_uow(), limit, after_id)
        return connection(
            [VoucherBatchType.of(b) for b in page.items], page.has_next, "VoucherBatch"
        )

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="What a voucher bought with points costs.",
    )
    async def voucher_conversion(self, info: Info) -> VoucherConversionType:
        return VoucherConversionType.of(await conversion.get_conversion(info.context.new_uow()))
