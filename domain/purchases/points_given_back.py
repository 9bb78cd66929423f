"""Giving back the points that paid for the refunded part of an order.

When points paid part of an order, a refund gives back their share of the refunded amount:
after refunds totalling R of an order of total T, the customer whose points paid (an
order's points come from one customer, not always the sale's) has had back
floor(points used x R / T) points (and floor(money they paid x R / T) of their value), so
refunding everything gives back every point, whatever the steps. The points go back to the
lots they were drawn from, the lots that expire last first."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import text

from domain.checkout.sql import ORDER_PAYER, USED_ON_ORDER_BY_CUSTOMER
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.purchases.earning import EarningSnapshot, points_for
from domain.purchases.models import Purchase
from domain.purchases.repository import remaining_lines
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class PointsReturn:
    points: int
    value_minor: int
    entry_id: int | None


_PAYER = text(f"SELECT {ORDER_PAYER} AS payer")

# The paying customer's (:cid) points: they are given back to that customer's lots.
_USED_AND_RETURNED = text(f"""
    SELECT {USED_ON_ORDER_BY_CUSTOMER},
           (SELECT COALESCE(sum(points_returned), 0) FROM refunds
             WHERE purchase_id = :purchase_id) AS returned,
           (SELECT COALESCE(sum(value_returned_minor), 0) FROM refunds
             WHERE purchase_id = :purchase_id) AS returned_value,
           (SELECT COALESCE(array_agg(return_entry_id), '{{}}') FROM refunds
             WHERE purchase_id = :purchase_id AND return_entry_id IS NOT NULL) AS given_back_by
""")


def share(amount: int, refunded_minor: int, total_minor: int) -> int:
    """The part of `amount` that a refunded amount of an order's total carries (floor)."""
    if total_minor <= 0 or refunded_minor >= total_minor:
        return amount
    return amount * refunded_minor // total_minor


def refunded_minor(purchase: Purchase) -> int:
    """How much of the order has been refunded so far (its lines' refunded quantities)."""
    return sum(line.refunded_quantity * line.unit_price_minor for line in purchase.lines)


def kept_after_refunds(
    snapshot: EarningSnapshot, purchase: Purchase, steps: list[dict[int, int]]
) -> int:
    """What an order whose refunds (`steps`, each's quantity per line, in the order they
    were made) all came before its award earns: what it would keep had each come after the
    award. There, the whole order earns, and each refund takes back what the lines left
    would no longer earn and never gives any back (refunds._points_due): so the order keeps
    the least of what the whole order and the lines left after each refund earn. (Only the
    lines left is more when a refunded line earned nothing, as an excluded line on an order
    partly paid with points: its refund gives back its share of the points.)"""
    whole = replace(purchase, lines=[replace(ln, refunded_quantity=0) for ln in purchase.lines])
    kept = points_for(remaining_lines(whole), snapshot)
    now = whole
    for step in steps:
        now = replace(
            now,
            lines=[
                replace(ln, refunded_quantity=ln.refunded_quantity + step.get(ln.line_no, 0))
                for ln in now.lines
            ],
        )
        kept = min(kept, points_for(remaining_lines(now), net_of_refunds(snapshot, now)))
    return kept


def net_of_refunds(snapshot: EarningSnapshot, purchase: Purchase) -> EarningSnapshot:
    """The earning terms with the part not paid in money (points, vouchers, card discounts)
    shrunk in step with the refunds so far: what paid the refunded share went back with it,
    so the remaining lines earn on what is left paid in money, whether the refunds came
    before the award or after it."""
    paid = snapshot.points_paid_minor
    left = paid - share(paid, refunded_minor(purchase), purchase.total_minor)
    return replace(snapshot, points_paid_minor=left)


async def give_back_points_used(
    uow: UnitOfWork, purchase: Purchase, refund_key: str, actor: str
) -> PointsReturn:
    """Credit back the points used on the order that its refunds so far (this one included,
    already counted in `purchase`'s lines) have not given back yet, as a REDEMPTION_REFUND
    entry, to the customer whose points paid (who may not be the sale's customer). Returns
    what this refund gave back (nothing when points paid nothing)."""
    order = {"shop": purchase.shop, "order_id": purchase.order_id}
    payer = (await uow.execute(_PAYER, order)).scalar_one()
    if payer is None:
        return PointsReturn(0, 0, None)
    params = {**order, "cid": payer, "purchase_id": purchase.id}
    row = (await uow.execute(_USED_AND_RETURNED, params)).one()
    refunded = refunded_minor(purchase)
    points = share(int(row.used), refunded, purchase.total_minor) - int(row.returned)
    value = share(int(row.used_value), refunded, purchase.total_minor) - int(row.returned_value)
    if points <= 0:
        return PointsReturn(0, 0, None)  # its value goes back with the points, later
    posting = post.Posting.of(
        payer,
        points,
        EntryKind.REDEMPTION_REFUND,
        actor,
        source_type="purchase",
        source_ref=f"{purchase.shop}/{purchase.order_id}",
        idempotency_key=f"refund-return:{refund_key}",
        note=f"Points used on order {purchase.order_id}, given back by its refund",
    )
    posted = await post.credit_back(uow, posting, [*row.drawn_by, *row.given_back_by])
    return PointsReturn(points, value, posted.entry_id)
