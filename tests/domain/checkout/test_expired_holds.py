"""Given a hold on an order, when its time passes (before the sweep releases it) and the
order is paid in money, then the sale earns on its whole amount and the order's caps no
longer count the hold: it can no longer be captured (docs/checkout.md, holds)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.holds import hold_points
from domain.checkout.quote import CartLine
from domain.customers.services import create_customer
from domain.ledger.services import adjust_points
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.services import PurchaseReport, record_purchase
from domain.uow import UnitOfWork

ACTOR = "t"


async def test_an_expired_hold_does_not_lower_what_the_sale_earns(clean_db: AsyncEngine) -> None:
    # Given a hold of 1,000 points (10.00) on a 50.00 order, for 1 second
    cid = str((await create_customer(UnitOfWork(clean_db), {}, None)).item.id)
    await adjust_points(UnitOfWork(clean_db), cid, 1_000, "credit", "c", ACTOR)
    cart = [CartLine("A", 1, 5_000)]
    await hold_points(UnitOfWork(clean_db), cid, 1_000, "h", "O-1", cart, ttl_s=1)
    # When its time passes (before the minute's sweep runs) and the order is paid in money
    await asyncio.sleep(1.5)
    done = await record_purchase(
        UnitOfWork(clean_db),
        PurchaseReport("O-1", PurchaseStatus.PAID, [Line("A", 1, 5_000)], customer_id=cid),
        ACTOR,
    )
    # Then the whole 50.00 earns (1 point per 1.00): the expired hold paid nothing
    assert done.points_awarded == 50


async def test_an_expired_hold_leaves_the_orders_cap_to_a_new_one(clean_db: AsyncEngine) -> None:
    # Given a hold of the whole 50.00 cart (5,000 points): nothing more may pay the order
    cid = str((await create_customer(UnitOfWork(clean_db), {}, None)).item.id)
    await adjust_points(UnitOfWork(clean_db), cid, 10_000, "credit", "c", ACTOR)
    cart = [CartLine("A", 1, 5_000)]
    await hold_points(UnitOfWork(clean_db), cid, 5_000, "h1", "O-1", cart, ttl_s=1)
    # When its time passes, before the sweep, a new hold for the same order takes it all
    await asyncio.sleep(1.5)
    again = await hold_points(UnitOfWork(clean_db), cid, 5_000, "h2", "O-1", cart, ttl_s=60)
    assert again.points == 5_000
