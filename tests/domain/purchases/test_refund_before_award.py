"""Given two orders of 50.00, 10.00 of each paid with points, when one line is refunded
after the award on the first and before it on the second, then both keep what the remaining
line earns on what is left paid in money (25.00 with 5.00 still paid in points: 20 points):
a refund before the award lowers what the award counts, no more (docs/earning.md)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.quote import CartLine
from domain.checkout.redemptions import redeem_points
from domain.customers.services import create_customer
from domain.ledger.services import adjust_points
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.refunds import refund_purchase
from domain.purchases.services import PurchaseReport, record_purchase
from domain.purchases.validation import RefundLine
from domain.uow import UnitOfWork

ACTOR = "t"
LINES = [Line("A", 1, 2_500), Line("B", 1, 2_500)]  # 50.00
CART = [CartLine("A", 1, 2_500), CartLine("B", 1, 2_500)]


async def _order_paid_with_points(engine: AsyncEngine, order: str) -> str:
    cid = str((await create_customer(UnitOfWork(engine), {}, None)).item.id)
    await adjust_points(UnitOfWork(engine), cid, 1_000, "credit", f"c-{order}", ACTOR)
    # 1,000 points (100 = 1.00) pay 10.00 of the 50.00 order
    paid = await redeem_points(
        UnitOfWork(engine), cid, "default", order, 1_000, CART, f"r-{order}", ACTOR
    )
    assert paid.value_minor == 1_000
    return cid


async def _report(engine: AsyncEngine, cid: str, order: str, status: PurchaseStatus) -> int:
    done = await record_purchase(
        UnitOfWork(engine), PurchaseReport(order, status, LINES, customer_id=cid), ACTOR
    )
    return done.purchase.points_earned


async def test_refund_before_award_earns_as_a_refund_after_award(clean_db: AsyncEngine) -> None:
    # Order 1: paid (earns on 40.00 paid in money: 40), then line A refunded:
    # 500 points come back, remaining B 25.00 of which 5.00 still paid with points -> 20.
    c1 = await _order_paid_with_points(clean_db, "O-1")
    assert await _report(clean_db, c1, "O-1", PurchaseStatus.PAID) == 40
    after = await refund_purchase(
        UnitOfWork(clean_db), "O-1", "default", [RefundLine("A", 1)], "k1", ACTOR
    )
    assert after.points_returned == 500
    kept_when_refunded_after = 40 - after.points_due  # 20

    # Order 2: the same, but line A is refunded while the order is only CREATED
    c2 = await _order_paid_with_points(clean_db, "O-2")
    assert await _report(clean_db, c2, "O-2", PurchaseStatus.CREATED) == 0
    before = await refund_purchase(
        UnitOfWork(clean_db), "O-2", "default", [RefundLine("A", 1)], "k2", ACTOR
    )
    assert before.points_returned == 500
    awarded_after_refund = await _report(clean_db, c2, "O-2", PurchaseStatus.PAID)

    # The remaining line B (25.00, 5.00 of it still paid with points) earns 20 either way
    assert kept_when_refunded_after == 20
    assert awarded_after_refund == kept_when_refunded_after

    # And refunding the rest takes back exactly what the award gave
    rest = await refund_purchase(UnitOfWork(clean_db), "O-2", "default", None, "k3", ACTOR)
    assert rest.points_due == awarded_after_refund
