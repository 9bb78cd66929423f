"""Cancelling a redemption whose order did not go through (a failed payment, an abandoned
invoice): its points come back by a REVERSAL linked to its REDEMPTION entry, to the lots
they were drawn from. Once the order's sale is recorded, a refund gives them back instead."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select, update

from domain.checkout.orders import lock_order
from domain.checkout.redemptions import Redemption, redemption_of
from domain.checkout.tables import redemptions
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import LedgerEntryReversed, RedemptionCancelled
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind, reversal_deltas
from domain.ledger.queries import get_account
from domain.purchases.tables import purchases
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
        recorded = await uow.execute(
            select(
                exists().where(purchases.c.shop == row.shop, purchases.c.order_id == row.order_id)
            )
        )
        if recorded.scalar_one():
            raise DomainError.one(
                "redemptionId",
                ErrorCode.NOT_REVERSIBLE,
                "This order's sale is recorded: refund the order (refundPurchase) instead.",
            )
        earned, spent = reversal_deltas(EntryKind.REDEMPTION, -row.points)
        posting = post.Posting(
            customer_id=row.customer_id,
            points=row.points,
            kind=EntryKind.REVERSAL,
            actor=actor,
            earned_delta=earned,
            spent_delta=spent,
            note=f"Redemption on order {row.order_id} cancelled",
            source_type="order",
            source_ref=f"{row.shop}/{row.order_id}",
            reverses_entry_id=row.entry_id,
            records_event=False,
        )
        try:
            posted = await post.credit_back(uow, posting)
        except DomainError as error:  # the balance ceiling
            raise DomainError.one(
                "redemptionId", error.problems[0].code, error.problems[0].message
            ) from error
        done = (
            await uow.execute(
                update(redemptions)
                .where(redemptions.c.id == rid)
                .values(cancelled_at=func.now(), cancel_entry_id=posted.entry_id)
                .returning(redemptions)
            )
        ).one()
        uow.record(
            LedgerEntryReversed(
                customer_id=row.customer_id,
                entry_id=row.entry_id,
                reversal_entry_id=posted.entry_id,
                points=row.points,
                balance_after=posted.balance_after,
            )
        )
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
