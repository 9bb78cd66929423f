"""How many round trips to PostgreSQL a checkout's writes make, counted on the driver.

Given a connection that has run each write once (so its statements are prepared, as on a
running server's connections); when a customer's points are held, the hold captured, and
points debited by hand; then a hold takes 2 round trips, a capture 1 and a debit 1 (BEGIN
and COMMIT would count: there are none)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.holds import capture_hold, hold_points
from domain.checkout.quote import CartLine
from domain.customers.services import create_customer
from domain.ledger.services import adjust_points
from domain.uow import UnitOfWork
from tests.support.round_trips import counting_engine

CART = [CartLine("A", 4, 2_500)]


async def test_a_hold_takes_two_round_trips_a_capture_one_and_a_debit_one(
    database_url: str, clean_db: AsyncEngine
) -> None:
    async with counting_engine(database_url) as (engine, trips):
        uow = UnitOfWork(engine)
        cid = str((await create_customer(uow, {}, None)).item.id)
        await adjust_points(uow, cid, 10_000, "start", "rt-start", "t")
        for n in range(2):  # the first round prepares the statements
            hold_trips, placed = await trips.of(
                hold_points(uow, cid, 100, f"rt-{n}", f"RT-{n}", CART)
            )
            hold_log = trips.describe()
            capture_trips, captured = await trips.of(capture_hold(uow, str(placed.id), "t"))
            capture_log = trips.describe()
            debit_trips, _ = await trips.of(
                adjust_points(uow, cid, -10, "by hand", f"rt-debit-{n}", "t")
            )
            debit_log = trips.describe()
    assert captured.status == "CAPTURED"
    assert hold_trips == 2, hold_log
    assert capture_trips == 1, capture_log
    assert debit_trips == 1, debit_log
