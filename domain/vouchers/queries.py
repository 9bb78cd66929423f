"""Reading vouchers, batches and uses; a code's status is computed here, in SQL, only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    select,
)

from domain.customers.sql import members
from domain.errors import DomainError, ErrorCode, Problems
from domain.pagination import Page, pages_per_owner
from domain.uow import UnitOfWork
from domain.validation import parse_id
from domain.vouchers.codes import normalise
from domain.vouchers.models import (
    Voucher,
    VoucherBatch,
    VoucherSource,
    VoucherStatus,
    VoucherTerms,
)
from domain.vouchers.tables import voucher_batches, voucher_redemptions, vouchers


@dataclass(frozen=True)
class VoucherFilter:
    """Selects vouchers; every given criterion must match. Ids are API ids (strings)."""

    batch_id: str | None = None
    customer_id: str | None = None
    status: VoucherStatus | None = None
    code: str | None = None


@dataclass(frozen=True)
class VoucherUse:
    """One redemption of a code."""

    id: int
    voucher_id: int
    customer_id: int | None
    shop: str
    order_id: str
    discount_minor: int
    actor: str
    created_at: datetime
    cancelled_at: datetime | None = None  # cancelled before the order's sale was recorded


def use_columns() -> list[ColumnElement[Any]]:
    """A use's columns as VoucherUse has them."""
    return [voucher_redemptions.c[name] for name in VoucherUse.__dataclass_fields__]


def status_expression() -> ColumnElement[str]:
    """A voucher's VoucherStatus at the statement's time, by precedence."""
    v = vouchers.c
    now = func.now()
    return case(
        (v.disabled_at.is_not(None), VoucherStatus.DISABLED.value),
        (and_(v.max_uses.is_not(None), v.uses >= v.max_uses), VoucherStatus.USED_UP.value),
        (and_(v.valid_until.is_not(None), v.valid_until <= now), VoucherStatus.EXPIRED.value),
        (and_(v.valid_from.is_not(None), v.valid_from > now), VoucherStatus.NOT_YET_VALID.value),
        else_=VoucherStatus.ACTIVE.value,
    )


def voucher_columns() -> list[ColumnElement[Any]]:
    """What a Voucher is built from (usable in SELECT and in UPDATE ... RETURNING)."""
    hidden = {"issue_key", "assignment_key"}
    return [c for c in vouchers.c if c.name not in hidden] + [status_expression().label("status")]


def voucher_of(row: Any) -> Voucher:
    return Voucher(
        id=row.id,
        code=row.code,
        batch_id=row.batch_id,
        source=VoucherSource(row.source),
        terms=VoucherTerms.of_row(row),
        uses=row.uses,
        status=VoucherStatus(row.status),
        customer_id=row.customer_id,
        assigned_at=row.assigned_at,
        disabled_at=row.disabled_at,
        created_at=row.created_at,
    )


def batch_of(row: Any, replayed: bool = False) -> VoucherBatch:
    return VoucherBatch(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        count=row.count,
        code_length=row.code_length,
        terms=VoucherTerms.of_row(row),
        created_at=row.created_at,
        replayed=replayed,
    )


async def voucher_by_code(uow: UnitOfWork, code: str) -> Voucher | None:
    query = select(*voucher_columns()).where(vouchers.c.code == normalise(code))
    row = (await uow.execute(query)).one_or_none()
    return voucher_of(row) if row else None


async def voucher_by_id(uow: UnitOfWork, voucher_id: int) -> Voucher | None:
    """The voucher with this id, in the open unit of work."""
    query = select(*voucher_columns()).where(vouchers.c.id == voucher_id)
    row = (await uow.execute(query)).one_or_none()
    return voucher_of(row) if row else None


async def vouchers_by_id(uow: UnitOfWork, voucher_ids: Sequence[int]) -> dict[int, Voucher]:
    """The vouchers that exist among `voucher_ids`, in the open unit of work (one query).
    Their codes are bearer secrets: show them only to their customer."""
    query = select(*voucher_columns()).where(vouchers.c.id.in_(sorted(set(voucher_ids))))
    return {row.id: voucher_of(row) for row in await uow.execute(query)}


async def get_voucher(uow: UnitOfWork, code: str) -> Voucher | None:
    """The voucher with this code (as typed: it is normalised), or None."""
    async with uow:
        return await voucher_by_code(uow, code)


async def find_vouchers(
    uow: UnitOfWork, filter: VoucherFilter, limit: int, after_id: int | None
) -> Page[Voucher]:
    """Vouchers matching the filter in id order (generation order), `limit` after `after_id`."""
    problems = Problems()
    batch_id = parse_id(problems, "filter.batchId", filter.batch_id) if filter.batch_id else None
    customer_id = (
        parse_id(problems, "filter.customerId", filter.customer_id) if filter.customer_id else None
    )
    problems.raise_if_any()
    query = select(*voucher_columns())
    if batch_id is not None:
        query = query.where(vouchers.c.batch_id == batch_id)
    if customer_id is not None:
        query = query.where(vouchers.c.customer_id == customer_id)
    if filter.status is not None:
        query = query.where(status_expression() == filter.status.value)
    if filter.code:
        query = query.where(vouchers.c.code == normalise(filter.code))
    if after_id is not None:
        query = query.where(vouchers.c.id > after_id)
    async with uow:
        rows = await uow.execute(query.order_by(vouchers.c.id).limit(limit + 1))
        return Page.from_rows([voucher_of(r) for r in rows], limit)


async def batch_by_id(uow: UnitOfWork, batch_id: int) -> VoucherBatch | None:
    row = (
        await uow.execute(select(voucher_batches).where(voucher_batches.c.id == batch_id))
    ).one_or_none()
    return batch_of(row) if row else None


async def find_batches(uow: UnitOfWork, limit: int, after_id: int | None) -> Page[VoucherBatch]:
    """Batches, newest first, `limit` after the batch `after_id`."""
    query = select(voucher_batches)
    if after_id is not None:
        query = query.where(voucher_batches.c.id < after_id)
    async with uow:
        rows = await uow.execute(query.order_by(voucher_batches.c.id.desc()).limit(limit + 1))
        return Page.from_rows([batch_of(r) for r in rows], limit)


async def uses_of(
    uow: UnitOfWork, voucher_ids: Sequence[int], limit: int, after_id: int | None = None
) -> dict[int, Page[VoucherUse]]:
    """Several vouchers' redemptions, newest first, `limit` each, in one query."""
    r = voucher_redemptions.c
    query = select(*use_columns())
    found = await pages_per_owner(uow, voucher_ids, query, r.voucher_id, r.id, limit, after_id)
    return {
        vid: Page.from_rows([VoucherUse(**row._asdict()) for row in rows], limit)
        for vid, rows in found.items()
    }


async def vouchers_of(
    uow: UnitOfWork,
    customer_ids: Sequence[int],
    status: VoucherStatus | None,
    limit: int,
    after_id: int | None = None,
) -> dict[int, Page[Voucher]]:
    """Several customers' vouchers (assigned to them), newest first, `limit` each, in one
    query; only those in `status` when given."""
    query = select(*voucher_columns())
    if status is not None:
        query = query.where(status_expression() == status.value)
    found = await pages_per_owner(
        uow, customer_ids, query, vouchers.c.customer_id, vouchers.c.id, limit, after_id
    )
    return {
        cid: Page.from_rows([voucher_of(row) for row in rows], limit) for cid, rows in found.items()
    }


# The CSV export: one row per code of a batch, in generation order.
EXPORT_COLUMNS = (
    "code",
    "batch",
    "kind",
    "value",
    "valid_from",
    "valid_until",
    "max_uses",
    "uses",
    "status",
    "customer_external_ref",
)


def _export_query(batch_id: int) -> Select[Any]:
    v, member = vouchers.c, members()
    # FIXED_AMOUNT: minor units; PERCENT: basis points; GIFT_ITEM: the SKU.
    value = func.coalesce(cast(v.value_minor, Text), cast(v.percent_bp, Text), v.gift_sku)
    return (
        select(
            v.code,
            voucher_batches.c.name,
            v.kind,
            value,
            v.valid_from,
            v.valid_until,
            v.max_uses,
            v.uses,
            status_expression(),
            member.c.external_ref,
        )
        .join_from(vouchers, voucher_batches, voucher_batches.c.id == v.batch_id)
        .outerjoin(member, member.c.id == v.customer_id)
        .where(v.batch_id == batch_id)
        .order_by(v.id)
    )


async def export_batch(uow: UnitOfWork, batch_id: int) -> AsyncIterator[tuple[Any, ...]]:
    """A batch's codes as EXPORT_COLUMNS tuples, read through a server-side cursor a
    thousand rows at a time (a 100,000-code batch never sits in memory). The unit of work
    opens when iteration starts and closes when it ends or is abandoned."""
    async with uow:
        result = await uow.stream(_export_query(batch_id).execution_options(yield_per=1000))
        async for row in result:
            yield tuple(row)


async def require_batch(uow: UnitOfWork, raw_id: str) -> VoucherBatch:
    """The batch with this API id; NOT_FOUND (or INVALID) otherwise."""
    problems = Problems()
    batch_id = parse_id(problems, "batchId", raw_id)
    problems.raise_if_any()
    async with uow:
        batch = await batch_by_id(uow, batch_id)
    if batch is None:
        raise DomainError.one("batchId", ErrorCode.NOT_FOUND, "No such voucher batch.")
    return batch
