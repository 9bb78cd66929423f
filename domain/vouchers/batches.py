"""Creating batches of codes, assigning a code to a customer, and disabling codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.commands import Command, run
from domain.customers.erased import customer_erased, customer_is_erased
from domain.customers.repository import customer_exists
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import VoucherAssigned, VoucherBatchCreated
from domain.idempotency import require_same
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
from domain.vouchers.tables import voucher_batches, voucher_redemptions, vouchers

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
    batch = CreateVoucherBatch(name, request.count, prefix, length, terms, key, actor)
    return await run(uow, batch)


@dataclass(frozen=True)
class CreateVoucherBatch(Command[VoucherBatch]):
    """The batch's row and its codes (set-based), with its VoucherBatchCreated event."""

    name: str
    count: int
    prefix: str
    code_length: int
    terms: VoucherTerms
    key: str
    actor: str

    key_constraints = (KEY_CONSTRAINT,)

    @property
    def settings(self) -> dict[str, Any]:
        """The batch's columns, which a replay of its key must ask the same."""
        return {
            "name": self.name,
            "prefix": self.prefix,
            "count": self.count,
            "code_length": self.code_length,
            **self.terms.columns(),
        }

    async def handle(self, uow: UnitOfWork) -> VoucherBatch:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        row = (
            await uow.execute(
                insert(voucher_batches)
                .values(**self.settings, idempotency_key=self.key, actor=self.actor)
                .returning(voucher_batches)
            )
        ).one()
        columns = {
            **self.terms.columns(),
            "batch_id": row.id,
            "source": VoucherSource.BATCH.value,
            "customer_id": None,
            "assigned_at": None,
            "issue_key": None,
        }
        await insert_codes(uow, self.count, self.code_length, self.prefix, columns)
        uow.record(
            VoucherBatchCreated(
                customer_id=None,
                batch_id=row.id,
                name=self.name,
                count=self.count,
                kind=self.terms.kind.value,
            )
        )
        return batch_of(row)

    async def replay(self, uow: UnitOfWork) -> VoucherBatch | None:
        query = select(voucher_batches).where(voucher_batches.c.idempotency_key == self.key)
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        wanted = self.settings
        require_same({name: getattr(row, name) for name in wanted}, wanted, "batch")
        return batch_of(row, replayed=True)


async def assign_voucher(uow: UnitOfWork, code: str, customer_id: str) -> Voucher:
    """Reserve a code for one customer: from then on only they may redeem it.

    Assigning it again to the same customer changes nothing; a code assigned to someone
    else is refused (VOUCHER_ALREADY_ASSIGNED), so is one other customers have used
    (INVALID), and an erased customer (CUSTOMER_ERASED)."""
    problems = Problems()
    clean = check_code(problems, "code", code)
    cid = parse_id(problems, "customerId", customer_id)
    problems.raise_if_any()
    return await run(uow, AssignVoucher(clean, cid))


@dataclass(frozen=True)
class AssignVoucher(Command[Voucher]):
    """The code's row locked, then the code assigned only while it is no one's and no other
    customer has used it (a conditional UPDATE: its uses would be theirs to see), with its
    VoucherAssigned event;
    a code already assigned is read to say to whom. Not to an erased customer."""

    code: str
    customer_id: int

    async def handle(self, uow: UnitOfWork) -> Voucher:
        cid = self.customer_id
        if not await customer_exists(uow, cid):
            raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
        if await customer_is_erased(uow, cid):
            raise customer_erased()
        # The code's row first, locked: a redemption of it in progress holds that lock, so
        # the uses read below (a statement of its own, after the lock) include its use. In
        # one conditional UPDATE, the recheck after the wait would read them as of before.
        await uow.execute(
            select(vouchers.c.id).where(vouchers.c.code == self.code).with_for_update()
        )
        used_by_others = (
            select(voucher_redemptions.c.id)
            .where(
                voucher_redemptions.c.voucher_id == vouchers.c.id,
                voucher_redemptions.c.customer_id.is_distinct_from(cid),
                voucher_redemptions.c.cancelled_at.is_(None),
            )
            .exists()
        )
        row = (
            await uow.execute(
                update(vouchers)
                .where(
                    vouchers.c.code == self.code, vouchers.c.customer_id.is_(None), ~used_by_others
                )
                .values(customer_id=cid, assigned_at=func.now())
                .returning(*voucher_columns())
            )
        ).one_or_none()
        if row is None:
            return _already_assigned(await voucher_by_code(uow, self.code), cid)
        uow.record(VoucherAssigned(customer_id=cid, voucher_id=row.id, batch_id=row.batch_id))
        return voucher_of(row)


def _already_assigned(voucher: Voucher | None, customer_id: int) -> Voucher:
    if voucher is None:
        raise DomainError.one("code", ErrorCode.NOT_FOUND, "No voucher has this code.")
    if voucher.customer_id is None:  # not assigned: others used it
        raise DomainError.one(
            "code",
            ErrorCode.INVALID,
            "Other customers used this code: it cannot be reserved for one.",
        )
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
    return await run(uow, DisableVouchers(clean, bid))


@dataclass(frozen=True)
class DisableVouchers(Command[int]):
    """The enabled codes of the code or batch disabled in one statement; when none were,
    whether the code or batch exists at all."""

    code: str | None
    batch_id: int | None

    async def handle(self, uow: UnitOfWork) -> int:
        target = (
            vouchers.c.code == self.code
            if self.code is not None
            else vouchers.c.batch_id == self.batch_id
        )
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
        if disabled == 0 and not await _exists(uow, self.code, self.batch_id):
            if self.code is not None:
                raise DomainError.one("code", ErrorCode.NOT_FOUND, "No voucher has this code.")
            raise DomainError.one("batchId", ErrorCode.NOT_FOUND, "No such voucher batch.")
        return int(disabled)


async def _exists(uow: UnitOfWork, code: str | None, batch_id: int | None) -> bool:
    if code is not None:
        return await voucher_by_code(uow, code) is not None
    query = select(voucher_batches.c.id).where(voucher_batches.c.id == batch_id)
    return (await uow.execute(query)).scalar_one_or_none() is not None
