"""Top products and card holders: given orders with lines (some returned, one order not
made) and cards of several types and statuses, then the rankings and counts are theirs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.products import (
    CardTypeHolders,
    ProductGrouping,
    ProductSales,
    customers_per_card_type,
    top_products,
)
from domain.errors import DomainError
from domain.reports.periods import Period
from domain.uow import UnitOfWork
from tests.support.purchases_sql import Line, add_purchase
from tests.support.reports import new_customer

MAY = Period(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))


def at(day: int, month: int = 5) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


async def test_top_products_by_sku_and_by_line(clean_db: AsyncEngine) -> None:
    ann, bob = await new_customer(clean_db, "ann"), await new_customer(clean_db, "bob")
    beans = Line("BEANS", 2, 1_500, "coffee")
    cup = Line("CUP", 1, 4_000, "kitchen", refunded_quantity=1)  # returned: nothing sold
    await add_purchase(clean_db, ann, at(2), 7_000, lines=[beans, cup])
    await add_purchase(clean_db, bob, at(3), 6_000, lines=[Line("BEANS", 4, 1_500, "coffee")])
    await add_purchase(clean_db, bob, at(4), 2_000, lines=[Line("MUG", 2, 1_000, "kitchen")])
    await add_purchase(clean_db, bob, at(5), 999, lines=[Line("TEA", 1, 999)])
    # Not counted: a cancelled order, an order in June
    await add_purchase(
        clean_db, ann, at(6), 9_000, status="CANCELLED", lines=[Line("MUG", 9, 1_000, "kitchen")]
    )
    await add_purchase(clean_db, ann, at(1, 6), 9_000, lines=[Line("MUG", 9, 1_000, "kitchen")])

    by_sku = await top_products(UnitOfWork(clean_db), MAY, ProductGrouping.SKU, 2)
    by_line = await top_products(UnitOfWork(clean_db), MAY, ProductGrouping.PRODUCT_LINE, 10)

    assert by_sku == [ProductSales("BEANS", 9_000, 6, 2), ProductSales("MUG", 2_000, 2, 1)]
    assert by_line == [
        ProductSales("coffee", 9_000, 6, 2),
        ProductSales("kitchen", 2_000, 2, 1),
        ProductSales("", 999, 1, 1),
    ]
    with pytest.raises(DomainError) as refused:
        await top_products(UnitOfWork(clean_db), MAY, ProductGrouping.SKU, 101)
    assert refused.value.problems[0].field == "first"


async def test_customers_per_card_type(clean_db: AsyncEngine) -> None:
    ann, bob = await new_customer(clean_db, "ann"), await new_customer(clean_db, "bob")
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO card_series (name, type) VALUES ('Points', 'POINTS'), "
                "('Discount', 'DISCOUNT')"
            )
        )
        await conn.execute(text("DELETE FROM cards"))  # whatever the customers were given
        for customer, series, code, kind, status in (
            (ann, 1, "P-1", "POINTS", "ACTIVE"),
            (ann, 1, "P-2", "POINTS", "REPLACED"),
            (bob, 1, "P-3", "POINTS", "ACTIVE"),
            (bob, 2, "D-1", "DISCOUNT", "LOST"),
            (ann, 2, "D-2", "DISCOUNT", "ACTIVE"),
            (ann, 2, "D-3", "DISCOUNT", "BLOCKED"),
        ):
            await conn.execute(
                text(
                    "INSERT INTO cards (customer_id, series_id, code, type, status) VALUES "
                    "(:c, :s, :code, :t, :st)"
                ),
                {"c": customer, "s": series, "code": code, "t": kind, "st": status},
            )

    found = await customers_per_card_type(UnitOfWork(clean_db))

    assert found == [
        CardTypeHolders("POINTS", 2, 2, 0, 0, 1),
        CardTypeHolders("DISCOUNT", 1, 1, 1, 1, 0),
        CardTypeHolders("CURRENT_DISCOUNT", 0, 0, 0, 0, 0),
        CardTypeHolders("PRIZE", 0, 0, 0, 0, 0),
    ]
