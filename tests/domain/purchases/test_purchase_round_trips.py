"""How many round trips to PostgreSQL recording a sale makes, counted on the driver.

Given connections that have run each write once (statements prepared, as on a running
server); when a sale is recorded for a customer without cards and for one holding a
CURRENT_DISCOUNT card; then both take 2 round trips (the earning context, then the one
statement writing the purchase, its award, its events and, for the holder, the current
discount it gives: no BEGIN and COMMIT)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.services import PurchaseReport, record_purchase
from domain.uow import UnitOfWork
from tests.support.cards import add_series, issue_card
from tests.support.round_trips import counting_engine


async def test_a_sale_takes_two_round_trips_with_or_without_a_current_discount_card(
    database_url: str, clean_db: AsyncEngine
) -> None:
    series = await add_series(
        clean_db,
        "Big spender",
        "CURRENT_DISCOUNT",
        current_mode="PERCENT_OF_AMOUNT",
        current_percent_bp=1000,
        current_valid_days=30,
    )
    async with counting_engine(database_url) as (engine, trips):
        uow = UnitOfWork(engine)
        plain = str((await create_customer(uow, {}, None)).item.id)
        holder = str((await create_customer(uow, {}, None)).item.id)
        await issue_card(clean_db, holder, series, "BS-1", "CURRENT_DISCOUNT")
        counted: dict[str, int] = {}
        logs: dict[str, str] = {}
        for n in range(2):  # the first round prepares the statements
            for name, cid in (("plain", plain), ("holder", holder)):
                report = PurchaseReport(
                    f"RT-{name}-{n}", PurchaseStatus.PAID, [Line("A", 1, 5000)], customer_id=cid
                )
                counted[name], _ = await trips.of(record_purchase(uow, report, "t"))
                logs[name] = trips.describe()
    assert counted["plain"] == 2, logs["plain"]
    assert counted["holder"] == 2, logs["holder"]
    async with clean_db.connect() as conn:
        given = (
            await conn.execute(text("SELECT customer_id, amount_off_minor FROM current_discounts"))
        ).all()
    assert [tuple(r) for r in given] == [(int(holder), 500), (int(holder), 500)]
