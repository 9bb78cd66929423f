"""Creating batches of codes, assigning a code to a customer, and disabling codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.customers.repository import customer_exists
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import VoucherAssigned, VoucherBatchCreated
from domain.idempotency import require_same, run_once
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text
from domain.vouchers.codes import check_code, check_length, check_prefix
from domain.vouchers.issuing import insert_codes
from domain.vouchers.models import (
    Voucher,
    VoucherBatch,
    VoucherSource,
    VoucherTerms,
    check_terms,
)
from domain.vouchers.queries import batch_of, voucher_by_code, voucher_columns, voucher_of
from domain.vouchers.tables import voucher_batches, vouchers

MAX_BATCH_SIZE = 100_000
KEY_CONSTRAINT = "uq_voucher_batches_idempotency_key"


@dataclass(frozen=True)
class BatchRequest:
    name: str
    count: int
    terms: VoucherTerms
    prefix: str | None = None
    code_length: int | None = None


async def create_voucher_batch(
    uow: UnitOfWork, request: BatchRequest, idempotency_key: str, actor: str
) -> VoucherBatch:
    """Generate `count` new unique codes with the same terms, all in one transaction.

    Guarantees: all the codes or none; every code unique in the database and drawn from
    the CSPRNG; the same key replayed returns the first batch (replayed) and writes
    nothing, the same key with other settings is an IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    name = required_text(problems, "name", request.name)
    if not 0 < request.count <= MAX_BATCH_SIZE:
        problems.add("count", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_BATCH_SIZE} codes a batch.")
    prefix = check_prefix(problems, "prefix", request.prefix)
    length = check_length(problems, "codeLength", request.code_length)
    terms = check_terms(problems, request.terms)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    wanted = {
        "name": name,
        "prefix": prefix,
        "count": request.count,
        "code_length": length,
        **terms.columns(),
    }

    async def attempt() -> VoucherBatch:
        replayed = await _replay(uow, key, wanted)
        if replayed is not None:
            return replayed
        row = (
            await uow.execute(
                insert(voucher_batches)
                .values(**wanted, idempotency_key=key, actor=actor)
                .returning(voucher_batches)
            )
        ).one()
        columns = {**terms.columns(), "batch_id": row.id, "source": VoucherSource.BATCH.value}
        columns.update(customer_id=None, assigned_at=None, issue_key=None)
        await insert_codes(uow, request.count, length, prefix, columns)
        uow.record(
            VoucherBatchCreated(
                customer_id=None,
                batch_id=row.id,
                name=name,
                count=request.count,
                kind=terms.kind.value,
            )
        )
        return batch_of(row)

    return await run_once(uow, attempt, lambda: _replay(uow, key, wanted), {KEY_CONSTRAINT})


async def _replay(uow: UnitOfWork, key: str, wanted: dict[str, Any]) -> VoucherBatch | None:
    row = (
        await uow.execute(select(voucher_batches).where(voucher_batches.c.idempotency_key == key))
    ).one_or_none()
    if row is None:
        return None
    require_same({name: getattr(row, name) for name in wanted}, wanted, "batch")
    return batch_of(row, replayed=True)


async def assign_voucher(uow: UnitOfWork, code: str, customer_id: str) -> Voucher:
    """Reserve a code for one customer: from then on only they may redeem it.

    Assigning it again to the same customer changes nothing; a code assigned to someone
    else is refused (VOUCHER_ALREADY_ASSIGNED)."""
    problems = Problems()
    clean = check_code(problems, "code", code)
    cid = parse_id(problems, "customerId", customer_id)
    problems.raise_if_any()
    async with uow:
        if not await customer_exists(uow, cid):
            raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
        row = (
            await uow.execute(
                update(vouchers)
                .where(vouchers.c.code == clean, vouchers.c.customer_id.is_(None))
                .values(customer_id=cid, assigned_at=func.now())
                .returning(*voucher_columns())
            )
        ).one_or_none()
        if row is None:
            return _already_assigned(await voucher_by_code(uow, clean), cid)
        uow.record(VoucherAssigned(customer_id=cid, voucher_id=row.id, batch_id=row.batch_id))
        await uow.commit()
    return voucher_of(row)


def _already_assigned(voucher: Voucher | None, customer_id: int) -> Voucher:
    if voucher is None:
        raise DomainError.one("code", ErrorCode.NOT_FOUND, "No voucher has this code.")
    if voucher.customer_id != customer_id:
        raise DomainError.one(
            "code",
            ErrorCode.VOUCHER_ALREADY_ASSIGNED,
            "This voucher is already assigned to another customer.",
        )
    return voucher


async def disable_vouchers(uow: UnitOfWork, code: str | None, batch_id: str | None) -> int:
    """Disable one code or every code of a batch, for good; returns how many were enabled
    before (disabling again changes nothing)."""
    problems = Problems()
    if (code is None) == (batch_id is None):
        problems.add("code", ErrorCode.REQUIRED, "Give either code or batchId.")
    clean = check_code(problems, "code", code) if code is not None else None
    bid = parse_id(problems, "batchId", batch_id) if batch_id is not None else None
    problems.raise_if_any()
    target = vouchers.c.code == clean if clean is not None else vouchers.c.batch_id == bid
    async with uow:
        disabled = (
            await uow.execute(
                select(func.count()).select_from(
                    update(vouchers)
                    .where(target, vouchers.c.disabled_at.is_(None))
                    .values(disabled_at=func.now())
                    .returning(vouchers.c.id)
                    .cte("disabled")
                )
            )
        ).scalar_one()
        if disabled == 0 and not await _exists(uow, clean, bid):
            if clean is not None:
                raise DomainError.one("code", ErrorCode.NOT_FOUND, "No voucher has this code.")
            raise DomainError.one("batchId", ErrorCode.NOT_FOUND, "No such voucher batch.")
        await uow.commit()
    return int(disabled)


async def _exists(uow: UnitOfWork, code: str | None, batch_id: int | None) -> bool:
    if code is not None:
        return await voucher_by_code(uow, code) is not None
    query = select(voucher_batches.c.id).where(voucher_batches.c.id == batch_id)
    return (await uow.execute(query)).scalar_one_or_none() is not None
