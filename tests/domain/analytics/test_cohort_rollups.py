"""Cohorts from the rollups: given customers, orders and entries, the cohorts report answers
exactly what the documented plain SQL computes (docs/reports.md, "Cohorts") whatever the
rollups hold: nothing rolled up, everything, or a part with a tail written after, for
periods whose ends fall at midnight or cut a registration day. The rollup job counts each
row once (a second run adds nothing), a buyer once per month, and the audit's check holds (and
catches a broken rollup)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.cohort_rollups import roll_up_cohorts, roll_up_cohorts_now
from domain.analytics.cohorts import cohorts
from domain.analytics.invariants import CHECKS, cohort_rollups_equal_rows
from domain.reports.periods import Period
from domain.uow import UnitOfWork
from tests.schema.test_bi_sql_docs import documented, run
from tests.support.purchases_sql import add_purchase, set_registered
from tests.support.reports import Row, new_customer, write_entries

NOW = datetime(2026, 6, 15, tzinfo=UTC)


def at(month: int, day: int = 10, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def seed(engine: AsyncEngine) -> dict[str, int]:
    """Six customers registered in January and February (two of them on January 5, at 08:00
    and 20:00, so that a period starting at noon cuts their day) with orders and entries."""
    people: dict[str, int] = {}
    registered = {
        "ann": at(1, 5, 8),
        "bob": at(1, 5, 20),
        "cy": at(1, 20),
        "dee": at(2, 1, 0),
        "eve": at(2, 14),
        "fay": at(2, 28, 23),
    }
    for name, when in registered.items():
        people[name] = await new_customer(engine, name)
        await set_registered(engine, people[name], when)
    orders = [("ann", 1, 6), ("ann", 1, 9), ("bob", 2, 1), ("cy", 1, 21), ("cy", 3, 3),
              ("dee", 1, 15), ("eve", 2, 20), ("fay", 4, 1)]  # fmt: skip
    for name, month, day in orders:
        await add_purchase(engine, people[name], at(month, day), 1000)
    await add_purchase(engine, people["eve"], at(3, 1), 900, status="CREATED")
    for name in people:
        await write_entries(
            engine,
            people[name],
            [
                Row("PURCHASE", 100, at(3, 2)),
                Row("GIFT", 20, at(3, 3)),
                Row("REDEMPTION", -50, at(4, 1)),
                Row("EXPIRY", -10, at(5, 1)),
            ],
        )
    return people


async def more(engine: AsyncEngine, people: dict[str, int]) -> None:
    """Writes after a rollup: a customer registered on January 5 and one on February 10
    (with an order), a second March order of Cy's (no new buyer), Ann's first in February,
    and entries."""
    for name, when in (("gus", at(1, 5, 23)), ("hal", at(2, 10))):
        people[name] = await new_customer(engine, name)
        await set_registered(engine, people[name], when)
    await add_purchase(engine, people["hal"], at(2, 11), 300)
    await add_purchase(engine, people["cy"], at(3, 20), 500)
    await add_purchase(engine, people["ann"], at(2, 2), 700)
    await add_purchase(engine, people["bob"], at(4, 2), 800, refunded_minor=800)
    await write_entries(engine, people["dee"], [Row("ACTION", 70, at(4, 4))])
    await write_entries(engine, people["ann"], [Row("REDEMPTION_REFUND", 30, at(4, 5))])


PERIODS = [
    Period(at(1, 1, 0), at(3, 1, 0)),  # whole days only
    Period(at(1, 5, 12), at(2, 28, 12)),  # cuts January 5 and February 28
    Period(at(1, 5, 6), at(2, 1, 0) + timedelta(microseconds=1)),  # cuts Jan 5 and Feb 1
]


async def api_rows(engine: AsyncEngine, period: Period) -> list[tuple[Any, ...]]:
    found = await cohorts(UnitOfWork(engine), period, 6, NOW)
    return [
        (c.starts_at, m.month, m.buyers, m.earned, m.spent, m.expired)
        for c in found
        for m in c.months
        if m.buyers or m.earned or m.spent or m.expired
    ]


async def sql_rows(engine: AsyncEngine, period: Period) -> list[tuple[Any, ...]]:
    rows = await run(
        engine, documented()["cohorts"], since=period.since, until=period.until, months=6
    )
    return [tuple(r.values()) for r in rows]


async def holds(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        for check in CHECKS:
            assert await check(conn) == [], check.__name__


async def agree(engine: AsyncEngine) -> None:
    for period in PERIODS:
        assert await api_rows(engine, period) == await sql_rows(engine, period), period


async def test_the_report_is_the_plain_sql_whatever_the_rollups_hold(
    clean_db: AsyncEngine,
) -> None:
    people = await seed(clean_db)
    await agree(clean_db)  # nothing rolled up: all tail
    first = await roll_up_cohorts_now(UnitOfWork(clean_db))
    assert (first.customers.rows, first.ledger.rows) == (6, 24)
    assert first.purchases.rows == 7  # Dee's order before her registration month is left out
    await agree(clean_db)  # everything rolled up
    await more(clean_db, people)
    await agree(clean_db)  # rollups and a tail
    # Eve's order awaiting payment is paid: it becomes made now, and counts
    async with clean_db.begin() as conn:
        await conn.exec_driver_sql("UPDATE purchases SET status = 'PAID' WHERE status = 'CREATED'")
    await agree(clean_db)
    second = await roll_up_cohorts_now(UnitOfWork(clean_db))
    assert (second.customers.rows, second.ledger.rows, second.purchases.rows) == (2, 2, 5)
    await agree(clean_db)
    again = await roll_up_cohorts_now(UnitOfWork(clean_db))  # nothing new: nothing added
    assert (again.customers.rows, again.ledger.rows, again.purchases.rows) == (0, 0, 0)
    await agree(clean_db)
    await holds(clean_db)


async def test_a_purchase_made_while_a_run_waits_is_rolled_up_once(
    clean_db: AsyncEngine,
) -> None:
    people = await seed(clean_db)
    # A writer takes its made number and stays open while the job takes its watermark
    async with clean_db.connect() as open_writer:
        await open_writer.begin()
        await open_writer.exec_driver_sql(
            "INSERT INTO purchases (shop, order_id, customer_id, channel, status, total_minor,"
            f" occurred_at) VALUES ('main', 'late', {people['fay']}, 'POS', 'PAID', 100,"
            " '2026-03-05T10:00:00+00:00')"
        )
        taken = await roll_up_cohorts(UnitOfWork(clean_db))  # takes the pending watermark
        assert taken.purchases.pending_to is not None and taken.purchases.rows == 0
        waiting = await roll_up_cohorts(UnitOfWork(clean_db))  # the writer is still open
        assert waiting.purchases.rows == 0
        await open_writer.commit()
    await roll_up_cohorts_now(UnitOfWork(clean_db))
    await agree(clean_db)
    await holds(clean_db)


@pytest.mark.parametrize("batch", [1, 3])
async def test_small_batches_give_the_same_rollups(clean_db: AsyncEngine, batch: int) -> None:
    people = await seed(clean_db)
    await more(clean_db, people)
    run = await roll_up_cohorts_now(UnitOfWork(clean_db), batch=batch)
    assert run.purchases.batches >= 11 // batch
    await agree(clean_db)


async def test_the_audit_catches_a_rollup_that_drifted(clean_db: AsyncEngine) -> None:
    await seed(clean_db)
    await roll_up_cohorts_now(UnitOfWork(clean_db))
    async with clean_db.begin() as conn:
        await conn.exec_driver_sql(
            "UPDATE cohort_activity SET buyers = buyers + 1 WHERE month = '2026-03-01'"
        )
        await conn.exec_driver_sql("DELETE FROM cohort_buyer_months WHERE month = '2026-01-01'")
    async with clean_db.connect() as conn:
        found = await cohort_rollups_equal_rows(conn)
    assert any("month 2026-03-01: rows give" in v for v in found)
    assert any("month 2026-01-01: an order not counted" in v for v in found)
    async with clean_db.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE purchases DISABLE TRIGGER purchases_made_seq")
        await conn.exec_driver_sql(
            "UPDATE purchases SET status = 'COMPLETED' WHERE status = 'CREATED'"
        )
        await conn.exec_driver_sql("ALTER TABLE purchases ENABLE TRIGGER purchases_made_seq")
    async with clean_db.connect() as conn:
        found = await cohort_rollups_equal_rows(conn)
    assert any("COMPLETED but not numbered (made_seq)" in v for v in found)


async def test_runs_at_once_take_turns_and_count_each_row_once(clean_db: AsyncEngine) -> None:
    people = await seed(clean_db)
    await more(clean_db, people)
    # Given eight runs at once, twice (the first round takes the pending watermarks)
    for _ in range(2):
        await asyncio.gather(*(roll_up_cohorts(UnitOfWork(clean_db)) for _ in range(8)))
    # Then everything is rolled up once: the report and the audit agree with the rows
    await agree(clean_db)
    await holds(clean_db)
