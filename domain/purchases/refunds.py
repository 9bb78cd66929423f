"""Refunds: points earned on the refunded part of an order go back, exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.cards.current_discounts import cancel_for_refund
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import PurchaseRefunded
from domain.idempotency import request_digest, require_same
from domain.ledger import policy
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.ledger.queries import lock_account, lot_opened_by_key
from domain.ledger.sql import EXPIRED_FROM_LOT
from domain.purchases import repository as repo
from domain.purchases.earning import (
    EarningSnapshot,
    points_for,
)
from domain.purchases.models import Purchase, Refund, award_key
from domain.purchases.points_given_back import give_back_points_used, net_of_refunds
from domain.purchases.tables import purchase_lines, purchases, refunds
from domain.purchases.validation import (
    RefundLine,
    check_refund_lines,
)
from domain.uow import UnitOfWork
from domain.validation import required_text


async def refund_purchase(
    uow: UnitOfWork,
    order_id: str,
    shop: str,
    lines: list[RefundLine] | None,
    idempotency_key: str,
    actor: str,
) -> Refund:
    """Refund some lines (or, with `lines` None, everything not yet refunded) of an order.

    Takes back the points earned on the refunded part: the difference between what the
    order earned and what its remaining lines would earn under the same snapshot. Points
    that already expired from the order's lot are not taken again (recorded as expired);
    if the customer has spent them, takes what the balance allows and records the rest as
    uncollected: the balance never goes below zero. Replaying the key returns the
    first refund."""
    problems = Problems()
    clean_order = required_text(problems, "orderId", order_id, 100)
    clean_shop = required_text(problems, "shop", shop, 100)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    refund_lines = check_refund_lines(problems, lines)
    problems.raise_if_any()
    digest = request_digest(RefundRequest.of(refund_lines))
    return await run(uow, RefundPurchase(clean_shop, clean_order, refund_lines, key, actor, digest))


@dataclass(frozen=True)
class RefundRequest:
    """What a refund asks for, as its key's replay compares it: the quantity of each SKU
    (lines in any order, a SKU given twice counted once with both quantities), or None for
    everything not yet refunded."""

    quantities: tuple[tuple[str, int], ...] | None

    @classmethod
    def of(cls, lines: list[RefundLine] | None) -> RefundRequest:
        if lines is None:
            return cls(None)
        per_sku: dict[str, int] = {}
        for line in lines:
            per_sku[line.sku] = per_sku.get(line.sku, 0) + line.quantity
        return cls(tuple(sorted(per_sku.items())))


@dataclass(frozen=True)
class RefundPurchase(Command[Refund]):
    """Refund lines of an order once per key: the refund row, the points given back and
    the points taken back, in one transaction."""

    shop: str
    order_id: str
    lines: list[RefundLine] | None
    key: str
    actor: str
    digest: str

    key_constraints = frozenset({"uq_refunds_idempotency_key"})
    replay_on_refusal = False  # the key is checked first, under the purchase's lock

    async def handle(self, uow: UnitOfWork) -> Refund:
        # Refunds of one order are serialised by the purchase's row lock, so the replay
        # check after taking it sees any refund committed under the same key meanwhile.
        purchase = await repo.lock_purchase(uow, self.shop, self.order_id)
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        if purchase is None:
            raise DomainError.one("orderId", ErrorCode.NOT_FOUND, "No such order.")
        return await _refund(uow, purchase, self.lines, self.key, self.actor, self.digest)

    async def replay(self, uow: UnitOfWork) -> Refund | None:
        """The refund made earlier under the key, if any; a key used for another order, or
        for other lines of this one, conflicts."""
        row = (
            await uow.execute(
                select(refunds, purchases.c.shop, purchases.c.order_id)
                .join(purchases, purchases.c.id == refunds.c.purchase_id)
                .where(refunds.c.idempotency_key == self.key)
            )
        ).one_or_none()
        if row is None:
            return None
        if (row.shop, row.order_id) != (self.shop, self.order_id):
            raise DomainError.one(
                "idempotencyKey",
                ErrorCode.IDEMPOTENCY_CONFLICT,
                "This key was already used to refund another order.",
            )
        if row.request_digest is not None:  # kept since migration 0056
            require_same(row.request_digest, self.digest, "refund of this order")
        return _refund_model(row, replayed=True)


async def _refund(
    uow: UnitOfWork,
    purchase: Purchase,
    lines: list[RefundLine] | None,
    key: str,
    actor: str,
    digest: str,
) -> Refund:
    """Refund `lines` of the locked purchase under `key`: the refunded quantities, the
    points that paid for them given back, the points they earned taken back, the refund
    row and its PurchaseRefunded event."""
    quantities = _refund_quantities(purchase.lines, lines)
    amount = 0
    for line in purchase.lines:
        qty = quantities.get(line.line_no, 0)
        if qty:
            amount += qty * line.unit_price_minor
            await uow.execute(
                update(purchase_lines)
                .where(
                    purchase_lines.c.purchase_id == purchase.id,
                    purchase_lines.c.line_no == line.line_no,
                )
                .values(refunded_quantity=purchase_lines.c.refunded_quantity + qty)
            )
    refunded = await repo.get_purchase(uow, purchase.id)
    assert refunded is not None
    # What the sale gave towards the next purchase is no longer what was bought.
    await cancel_for_refund(uow, purchase.id)
    # Points that paid for the refunded part go back first, so that taking back the points
    # it earned finds them (fewer points left uncollected).
    returned = await give_back_points_used(uow, refunded, key, actor)
    due = await _points_due(uow, refunded)
    taken, expired, entry_id = await _take_back(uow, purchase, due, key, actor)
    row = (
        await uow.execute(
            pg_insert(refunds)
            .values(
                purchase_id=purchase.id,
                idempotency_key=key,
                request_digest=digest,
                lines=[{"line_no": n, "quantity": q} for n, q in sorted(quantities.items())],
                amount_minor=amount,
                points_due=due,
                points_taken=taken,
                points_uncollected=due - taken - expired,
                points_expired=expired,
                entry_id=entry_id,
                points_returned=returned.points,
                value_returned_minor=returned.value_minor,
                return_entry_id=returned.entry_id,
            )
            .returning(refunds)
        )
    ).one()
    uow.record(
        PurchaseRefunded(
            customer_id=purchase.customer_id,
            shop=purchase.shop,
            order_id=purchase.order_id,
            amount_minor=amount,
            points_taken=taken,
            points_uncollected=due - taken - expired,
            points_returned=returned.points,
        )
    )
    return _refund_model(row)


def _refund_quantities(
    purchase_lines_: list[Any], lines: list[RefundLine] | None
) -> dict[int, int]:
    """Line number -> quantity to refund; SKUs spread over the order's lines in order."""
    left = {ln.line_no: ln.quantity - ln.refunded_quantity for ln in purchase_lines_}
    if lines is None:
        everything = {n: q for n, q in left.items() if q > 0}
        if not everything:
            raise DomainError.one(
                "lines",
                ErrorCode.REFUND_EXCEEDS_PURCHASE,
                "Everything on this order is refunded already.",
            )
        return everything
    quantities: dict[int, int] = {}
    problems = Problems()
    for i, wanted in enumerate(lines):
        need = wanted.quantity
        for ln in purchase_lines_:
            if ln.sku == wanted.sku.strip() and need > 0:
                take = min(need, left[ln.line_no])
                left[ln.line_no] -= take
                quantities[ln.line_no] = quantities.get(ln.line_no, 0) + take
                need -= take
        if need > 0:
            problems.add(
                f"lines.{i}.quantity",
                ErrorCode.REFUND_EXCEEDS_PURCHASE,
                f"Only {wanted.quantity - need} of {wanted.sku!r} can still be refunded.",
            )
    problems.raise_if_any()
    return quantities


async def _points_due(uow: UnitOfWork, purchase: Purchase) -> int:
    """Earned points not yet claimed back minus what the remaining lines still earn.

    The part paid with points (which earned nothing) shrinks with the refunds as the
    points that paid it go back, so the remaining lines earn on what is left paid in money."""
    snapshot_json = await repo.earning_snapshot_json(uow, purchase.id)
    if snapshot_json is None:  # not awarded yet: the award will count remaining lines only
        return 0
    snapshot = EarningSnapshot.from_json(snapshot_json)
    still_earned = points_for(repo.remaining_lines(purchase), net_of_refunds(snapshot, purchase))
    already_due = (
        await uow.execute(
            select(func.coalesce(func.sum(refunds.c.points_due), 0)).where(
                refunds.c.purchase_id == purchase.id
            )
        )
    ).scalar_one()
    return max(0, purchase.points_earned - int(already_due) - still_earned)


async def _take_back(
    uow: UnitOfWork, purchase: Purchase, due: int, key: str, actor: str
) -> tuple[int, int, int | None]:
    """Take back `due` earned points: (taken, expired, the REFUND entry's id).

    What expired from the lot the purchase opened is not taken again (the customer lost it
    already); of the rest, what the spendable points allow (held points stay reserved)."""
    if due <= 0:
        return 0, 0, None
    # Locked first: what the policy lets a refund take must still be there when the debit
    # runs, and what expired from the lot is read after the expiry job's change of it (the
    # job locks the balance before it empties lots: read before the lock, an expiry
    # committed meanwhile was taken a second time).
    account = await lock_account(uow, purchase.customer_id)
    assert account is not None
    lot = await lot_opened_by_purchase(uow, purchase.id)
    expired = min(due, await _expired_not_yet_counted(uow, purchase.id, lot))
    taken = policy.take_back(account.funds, due - expired)
    if taken <= 0:
        return 0, expired, None
    posting = post.Posting.of(
        purchase.customer_id,
        -taken,
        EntryKind.REFUND,
        actor,
        source_type="purchase",
        source_ref=f"{purchase.shop}/{purchase.order_id}",
        idempotency_key=f"refund:{key}",
        note=f"Refund of order {purchase.order_id}",
    )
    posted = await post.debit(uow, posting, preferred_lot_id=lot)
    return taken, expired, posted.entry_id


_EXPIRED_FROM_LOT = text(f"""
    SELECT {EXPIRED_FROM_LOT}
         - COALESCE((SELECT sum(points_expired) FROM refunds WHERE purchase_id = :purchase), 0)
""")


async def _expired_not_yet_counted(uow: UnitOfWork, purchase_id: int, lot: int | None) -> int:
    """Points that expired from the purchase's lot and no earlier refund counted yet."""
    if lot is None:
        return 0
    found = await uow.execute(_EXPIRED_FROM_LOT, {"lot": lot, "purchase": purchase_id})
    return max(0, int(found.scalar_one()))


async def lot_opened_by_purchase(uow: UnitOfWork, purchase_id: int) -> int | None:
    """The lot the purchase's award opened, if it earned points."""
    return await lot_opened_by_key(uow, award_key(purchase_id))


def _refund_model(row: Any, replayed: bool = False) -> Refund:
    return Refund(
        id=row.id,
        purchase_id=row.purchase_id,
        amount_minor=row.amount_minor,
        points_due=row.points_due,
        points_taken=row.points_taken,
        points_uncollected=row.points_uncollected,
        entry_id=row.entry_id,
        points_expired=row.points_expired,
        points_returned=row.points_returned,
        value_returned_minor=row.value_returned_minor,
        return_entry_id=row.return_entry_id,
        replayed=replayed,
    )
