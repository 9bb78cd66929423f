"""Cancelling a redemption whose order did not go through (a failed payment, an abandoned
invoice): its points come back by a REVERSAL linked to its REDEMPTION entry, to the lots
they were drawn from. Once the order's sale is recorded, a refund gives them back instead."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from domain.checkout.orders import lock_order
from domain.checkout.redemptions import Redemption, redemption_of
from domain.checkout.tables import redemptions
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import RedemptionCancelled
from domain.ledger.queries import get_account, get_entry
from domain.ledger.services import post_reversal
from domain.purchases.repository import order_recorded
from domain.uow import UnitOfWork
from domain.validation import parse_id


async def cancel_redemption(uow: UnitOfWork, redemption_id: str, actor: str) -> Redemption:
    """Give a redemption's points back while its order's sale is not recorded.

    Guarantees: the points come back once (cancelling again returns the first cancellation,
    replayed), by a REVERSAL of the REDEMPTION entry, in the same transaction as the mark on
    the redemption; the order's caps count the redemption no more. Refused (NOT_REVERSIBLE)
    once the order's sale is recorded: refundPurchase gives the points back then."""
    problems = Problems()
    rid = parse_id(problems, "redemptionId", redemption_id)
    problems.raise_if_any()
    async with uow:
        row = await _read(uow, rid)
        await lock_order(uow, row.shop, row.order_id)
        row = await _read(uow, rid, lock=True)
        if row.cancelled_at is not None:
            return await _model(uow, row, replayed=True)
        if await order_recorded(uow, row.shop, row.order_id):
            raise DomainError.one(
                "redemptionId",
                ErrorCode.NOT_REVERSIBLE,
                "This order's sale is recorded: refund the order (refundPurchase) instead.",
            )
        redeemed = await get_entry(uow, row.entry_id)
        assert redeemed is not None
        _, posted = await post_reversal(
            uow,
            redeemed,
            f"Redemption on order {row.order_id} cancelled",
            actor,
            ("order", f"{row.shop}/{row.order_id}"),
            "redemptionId",
        )
        done = (
            await uow.execute(
                update(redemptions)
                .where(redemptions.c.id == rid)
                .values(cancelled_at=func.now(), cancel_entry_id=posted.entry_id)
                .returning(redemptions)
            )
        ).one()
        uow.record(
            RedemptionCancelled(
                customer_id=row.customer_id,
                redemption_id=rid,
                shop=row.shop,
                order_id=row.order_id,
                points=row.points,
                value_minor=row.value_minor,
            )
        )
        await uow.commit()
    return redemption_of(done, posted.account(row.customer_id), replayed=False)


async def _read(uow: UnitOfWork, redemption_id: int, lock: bool = False) -> Any:
    query = select(redemptions).where(redemptions.c.id == redemption_id)
    row = (await uow.execute(query.with_for_update() if lock else query)).one_or_none()
    if row is None:
        raise DomainError.one("redemptionId", ErrorCode.NOT_FOUND, "No such redemption.")
    return row


async def _model(uow: UnitOfWork, row: Any, replayed: bool) -> Redemption:
    account = await get_account(uow, row.customer_id)
    assert account is not None
    return redemption_of(row, account, replayed)
