"""Cancelling a voucher use whose order did not go through (a failed payment, an abandoned
sale): the code's use is given back (a single-use code is usable again, by the same rules),
and the use's row stays, marked. Once the order's sale is recorded the use stands: the
discount was given on a sale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Sequence, func, select, update

from domain.checkout.orders import lock_order
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import VoucherRedemptionCancelled
from domain.purchases.repository import order_recorded
from domain.uow import UnitOfWork
from domain.validation import parse_id
from domain.vouchers.bi_sql import VOUCHER_USE_SEQUENCE
from domain.vouchers.models import Voucher
from domain.vouchers.queries import (
    VoucherUse,
    use_columns,
    voucher_by_id,
    voucher_columns,
    voucher_of,
)
from domain.vouchers.tables import voucher_redemptions, vouchers

_USE_SEQUENCE = Sequence(VOUCHER_USE_SEQUENCE)


@dataclass(frozen=True)
class CancelledVoucherUse:
    use: VoucherUse
    voucher: Voucher  # after the cancellation
    replayed: bool = False


async def cancel_voucher_use(uow: UnitOfWork, use_id: str, actor: str) -> CancelledVoucherUse:
    """Give a voucher use back while its order's sale is not recorded.

    Guarantees: the code's use comes back once (cancelling again returns the first
    cancellation, replayed), in the same transaction as the mark on the use; the order's
    caps and its earning count the use no more, and the code may be used again on the same
    order. Refused (NOT_REVERSIBLE) once the order's sale is recorded."""
    problems = Problems()
    uid = parse_id(problems, "redemptionId", use_id)
    problems.raise_if_any()
    return await run(uow, CancelVoucherUse(uid, actor))


@dataclass(frozen=True)
class CancelVoucherUse(Command[CancelledVoucherUse]):
    """The order's lock (which every payment and voucher use on the order takes), then the
    use's row lock; the code's use given back and the mark on the use. The mark itself
    answers a repeated cancellation, so there is no key."""

    use_id: int
    actor: str

    async def handle(self, uow: UnitOfWork) -> CancelledVoucherUse:
        row = await _read(uow, self.use_id)
        await lock_order(uow, row.shop, row.order_id)
        row = await _read(uow, self.use_id, lock=True)
        if row.cancelled_at is not None:
            voucher = await voucher_by_id(uow, row.voucher_id)
            assert voucher is not None
            return CancelledVoucherUse(_use(row), voucher, replayed=True)
        if await order_recorded(uow, row.shop, row.order_id):
            raise DomainError.one(
                "redemptionId",
                ErrorCode.NOT_REVERSIBLE,
                "This order's sale is recorded: a voucher used on a recorded sale stays used.",
            )
        # uses >= 1 while this use stands (the vouchers invariant), so this never goes below 0.
        given_back = (
            await uow.execute(
                update(vouchers)
                .where(vouchers.c.id == row.voucher_id)
                .values(uses=vouchers.c.uses - 1)
                .returning(*voucher_columns())
            )
        ).one()
        done = (
            await uow.execute(
                update(voucher_redemptions)
                .where(voucher_redemptions.c.id == self.use_id)
                .values(
                    cancelled_at=func.now(),
                    cancelled_by=self.actor,
                    cancel_seq=_USE_SEQUENCE.next_value(),
                )
                .returning(*use_columns())
            )
        ).one()
        uow.record(
            VoucherRedemptionCancelled(
                customer_id=row.customer_id,
                voucher_id=row.voucher_id,
                redemption_id=self.use_id,
                shop=row.shop,
                order_id=row.order_id,
                discount_minor=row.discount_minor,
            )
        )
        return CancelledVoucherUse(_use(done), voucher_of(given_back))


async def _read(uow: UnitOfWork, use_id: int, lock: bool = False) -> Any:
    query = select(*use_columns()).where(voucher_redemptions.c.id == use_id)
    row = (await uow.execute(query.with_for_update() if lock else query)).one_or_none()
    if row is None:
        raise DomainError.one("redemptionId", ErrorCode.NOT_FOUND, "No such voucher use.")
    return row


def _use(row: Any) -> VoucherUse:
    return VoucherUse(**row._asdict())
