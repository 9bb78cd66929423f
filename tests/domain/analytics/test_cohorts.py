"""Cohorts: given customers registered in January and February with purchases and points in
later months, when the cohorts are asked for, then each month's buyers, retention and
points are what happened in it, counted from the registration month."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.cohorts import cohorts
from domain.errors import DomainError
from domain.reports.periods import Period
from domain.uow import UnitOfWork
from tests.support.purchases_sql import add_purchase, set_registered
from tests.support.reports import Row, new_customer, write_entries


def at(month: int, day: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


async def seed(engine: AsyncEngine) -> dict[str, int]:
    """Jan: Ann, Bob, Cy, Dee; Feb: Eve; Mar: Fay (outside the period asked)."""
    people = {}
    for name, month in (("ann", 1), ("bob", 1), ("cy", 1), ("dee", 1), ("eve", 2), ("fay", 3)):
        people[name] = await new_customer(engine, name)
        await set_registered(engine, people[name], at(month, 5))
    # Purchases: a pre-join one of Ann's (December) counts in no month; Bob's pending one
    # counts for nothing; Ann buys twice in January (one buyer), Bob in March.
    await add_purchase(engine, people["ann"], at(12, 20, 2025), 500)
    await add_purchase(engine, people["ann"], at(1, 6), 1000)
    await add_purchase(engine, people["ann"], at(1, 20), 1000)
    await add_purchase(engine, people["bob"], at(1, 25), 1000, status="PENDING")
    await add_purchase(engine, people["bob"], at(3, 1), 1000)
    await add_purchase(engine, people["cy"], at(3, 2), 1000, refunded_minor=1000)
    await add_purchase(engine, people["eve"], at(2, 28), 1000)
    await add_purchase(engine, people["eve"], at(4, 1), 1000)
    await add_purchase(engine, people["fay"], at(3, 6), 1000)
    await write_entries(
        engine,
        people["ann"],
        [
            Row("PURCHASE", 100, at(1, 6)),
            Row("GIFT", 50, at(1, 7)),
            Row("REDEMPTION", -80, at(2, 1)),
            Row("REDEMPTION_REFUND", 30, at(2, 2)),
            Row("EXPIRY", -20, at(3, 1)),
            Row("MANUAL", -5, at(3, 2)),  # a correction: none of the three
        ],
    )
    await write_entries(engine, people["eve"], [Row("ACTION", 40, at(2, 6))])
    return people


async def test_retention_and_points_per_cohort_month(clean_db: AsyncEngine) -> None:
    await seed(clean_db)

    found = await cohorts(UnitOfWork(clean_db), Period(at(1, 1), at(3, 1)), 3, at(4, 15))

    jan, feb = found
    assert (jan.starts_at, jan.customers) == (datetime(2026, 1, 1, tzinfo=UTC), 4)
    assert (feb.starts_at, feb.customers) == (datetime(2026, 2, 1, tzinfo=UTC), 1)
    # January: Ann in month 0; Bob and Cy in month 2 (Cy's refunded order still made);
    # nobody in month 3 (April)
    assert [(m.month, m.buyers) for m in jan.months] == [(0, 1), (1, 0), (2, 2), (3, 0)]
    assert [m.retention for m in jan.months] == [
        Decimal("0.2500"),
        Decimal("0"),
        Decimal("0.5000"),
        Decimal("0"),
    ]
    assert [(m.earned, m.spent, m.expired) for m in jan.months] == [
        (150, 0, 0),
        (0, 50, 0),
        (0, 0, 20),
        (0, 0, 0),
    ]
    # February's cohort: months 0 to 2 only (April is "now"), Eve buys in months 0 and 2
    assert [(m.month, m.buyers, m.earned) for m in feb.months] == [(0, 1, 40), (1, 0, 0), (2, 1, 0)]


async def test_bad_arguments_are_named() -> None:
    with pytest.raises(DomainError) as refused:
        await cohorts(UnitOfWork(None), Period(at(1, 1), None), 99, at(4, 1))  # type: ignore[arg-type]
    assert {p.field for p in refused.value.problems} == {"until", "months"}


async def test_the_month_is_the_unit_orders_before_registration_in_it_count(
    clean_db: AsyncEngine,
) -> None:
    # Bob registers on 20 May; he bought on 10 May (before registering, that month) and on
    # 30 April (the month before): May's month 0 counts him, April's order counts nowhere
    bob = await new_customer(clean_db, "bob")
    await set_registered(clean_db, bob, datetime(2026, 5, 20, 12, tzinfo=UTC))
    await add_purchase(clean_db, bob, datetime(2026, 5, 10, 12, tzinfo=UTC), 2000)
    await add_purchase(clean_db, bob, datetime(2026, 4, 30, 12, tzinfo=UTC), 1000)
    period = Period(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))
    (may,) = await cohorts(UnitOfWork(clean_db), period, 1, datetime(2026, 6, 15, tzinfo=UTC))
    assert may.customers == 1
    assert [(m.month, m.buyers) for m in may.months] == [(0, 1), (1, 0)]
