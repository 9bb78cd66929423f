"""Top products from the product rollups: given orders with lines in the first months of
2026 (some units returned, an order awaiting payment, a cancelled one, orders around
midnight and at a month's first moment), the report answers exactly what the documented
plain SQL computes (docs/reports.md, "top-products", and the same grouped by product line)
whatever the rollups hold: nothing rolled up, everything, a part (after each batch of 1 or
3), refunds and orders recorded after a rollup, a writer still open while the job takes its
watermarks; for periods of whole months, or cutting days and months. A second run changes
nothing; the audit's check holds, and catches a tampered rollup."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pyroaring import BitMap64
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics import buyer_sets
from domain.analytics.invariants import CHECKS, product_rollups_equal_rows
from domain.analytics.product_rollups import (
    STREAMS,
    recompute_touched_days,
    roll_up_products,
    roll_up_products_now,
)
from domain.analytics.products import ProductGrouping, split_period, top_products
from domain.commands import run
from domain.reports.periods import Period
from domain.uow import UnitOfWork
from domain.watermarks import RollUpTogether
from tests.schema.test_bi_sql_docs import documented
from tests.schema.test_bi_sql_docs import run as run_sql
from tests.support.purchases_sql import Line, add_purchase, refund_line
from tests.support.reports import new_customer

SKU, LINE = ProductGrouping.SKU, ProductGrouping.PRODUCT_LINE


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


Q1 = Period(at(1, 1, 0), at(4, 1, 0))
PERIODS = [
    Q1,  # whole months
    Period(at(1, 10, 18), at(3, 3, 8)),  # cuts January 10 and March 3 (its 08:00 order is out)
    Period(at(1, 10, 13), at(1, 10, 23, 59)),  # within a day
    Period(at(2, 1, 0), at(2, 28, 0)),  # whole days, no whole month
    Period(at(1, 31, 12), at(3, 1, 0)),  # cuts January 31, then February whole
    Period(datetime(2025, 7, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)),  # a year
]


async def execute(engine: AsyncEngine, sql: str, **params: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


async def seed(engine: AsyncEngine) -> tuple[dict[str, int], dict[str, int]]:
    """Ann, Bob, Cy and Dee; their orders (with their ids, by name) on January 10 (one at
    23:30), January 11 at 00:30, January 31 at 23:59, February 1 at 00:00 (its cup returned),
    February 14 and 28, March 3 (one awaiting payment), and a cancelled one."""
    # The made numbers are not reset with the tables: start them again, so that batches of a
    # few values roll up this test's orders
    await execute(engine, "ALTER SEQUENCE purchases_made_seq RESTART")
    people = {name: await new_customer(engine, name) for name in ("ann", "bob", "cy", "dee")}
    ann, bob, cy, dee = people.values()
    beans, cup = Line("BEANS", 2, 1_500, "coffee"), Line("CUP", 1, 4_000, "kitchen")
    orders = {
        "ann_jan": await add_purchase(engine, ann, at(1, 10), 7_000, lines=[beans, cup]),
        "bob_late": await add_purchase(
            engine, bob, at(1, 10, 23, 30), 6_000, lines=[Line("BEANS", 4, 1_500, "coffee")]
        ),
        "cy_early": await add_purchase(
            engine,
            cy,
            at(1, 11, 0, 30),
            4_999,
            lines=[
                Line("MUG", 2, 1_000, "kitchen"),
                Line("SAUCER", 2, 1_000, "kitchen"),  # ties with the mug in January
                Line("TEA", 1, 999),  # no product line
            ],
        ),
        "ann_eom": await add_purchase(
            engine, ann, at(1, 31, 23, 59), 2_997, lines=[Line("TEA", 3, 999)]
        ),
        "bob_feb": await add_purchase(
            engine,
            bob,
            at(2, 1, 0),
            4_000,
            lines=[Line("CUP", 1, 4_000, "kitchen", refunded_quantity=1)],
            refunded_minor=4_000,
        ),
        "dee_feb": await add_purchase(
            engine,
            dee,
            at(2, 14),
            6_500,
            lines=[Line("BEANS", 1, 1_500, "coffee"), Line("MUG", 5, 1_000, "kitchen")],
        ),
        "cy_feb": await add_purchase(
            engine, cy, at(2, 28, 22), 8_000, lines=[Line("CUP", 2, 4_000, "kitchen")]
        ),
        "ann_mar": await add_purchase(
            engine,
            ann,
            at(3, 3, 8),
            9_000,
            lines=[Line("GRINDER", 1, 9_000, "kitchen"), Line("SAMPLE", 1, 0, "coffee")],
        ),
        "bob_mar": await add_purchase(
            engine,
            bob,
            at(3, 3, 8),
            15_000,
            status="CREATED",
            lines=[Line("BEANS", 10, 1_500, "coffee")],
        ),
    }
    await add_purchase(
        engine, dee, at(3, 15), 9_000, status="CANCELLED", lines=[Line("MUG", 9, 1_000, "kitchen")]
    )
    return people, orders


async def more(engine: AsyncEngine, people: dict[str, int], orders: dict[str, int]) -> None:
    """After a rollup: Ann returns her only cup, Cy one of her two; Bob's March order is
    paid; Ann buys beans again on January 10 (a day rolled up), Dee tea in April."""
    await refund_line(engine, orders["ann_jan"], 2, 1)
    await refund_line(engine, orders["cy_feb"], 1, 1)
    await execute(
        engine, "UPDATE purchases SET status = 'PAID' WHERE id = :id", id=orders["bob_mar"]
    )
    await add_purchase(
        engine, people["ann"], at(1, 10, 15), 1_500, lines=[Line("BEANS", 1, 1_500, "coffee")]
    )
    await add_purchase(engine, people["dee"], at(4, 2), 999, lines=[Line("TEA", 1, 999)])


def plain(grouping: ProductGrouping) -> str:
    """The documented query, by SKU or grouped by product line (as bench/bi.py does)."""
    sql = documented()["top-products"]
    if grouping is LINE:
        sql = sql.replace("SELECT l.sku AS key", "SELECT COALESCE(l.product_line, '') AS key")
        assert "COALESCE" in sql
    return sql


async def top(
    engine: AsyncEngine, period: Period, grouping: ProductGrouping, first: int = 100
) -> dict[str, tuple[int, int, int]]:
    found = await top_products(UnitOfWork(engine), period, grouping, first)
    return {p.key: (p.revenue_minor, p.units, p.buyers) for p in found}


async def agree(engine: AsyncEngine, limits: tuple[int, ...] = (1, 2, 100)) -> None:
    """For every period, grouping and limit, the report is the plain SQL's answer."""
    for period in PERIODS:
        for grouping in ProductGrouping:
            for first in limits:
                api = await top_products(UnitOfWork(engine), period, grouping, first)
                rows = await run_sql(
                    engine, plain(grouping), since=period.since, until=period.until, first=first
                )
                assert [(p.key, p.revenue_minor, p.units, p.buyers) for p in api] == [
                    (r["key"], r["revenue_minor"], r["units"], r["buyers"]) for r in rows
                ], (period, grouping, first)


async def holds(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        for check in CHECKS:
            assert await check(conn) == [], check.__name__


async def rollups(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT 'day', * FROM product_days UNION ALL SELECT 'month', * FROM product_months"
                " ORDER BY 1, 2, 3, 4"
            )
        )
        return [tuple(r) for r in found]


async def test_the_report_is_the_plain_sql_whatever_the_rollups_hold(
    clean_db: AsyncEngine,
) -> None:
    people, orders = await seed(clean_db)
    await agree(clean_db)  # nothing rolled up: every day read from the rows
    first = await roll_up_products_now(UnitOfWork(clean_db))
    assert first.days == 7  # January 10, 11, 31, February 1, 14, 28, March 3
    await agree(clean_db)  # everything rolled up
    by_sku = await top(clean_db, Q1, SKU)
    assert by_sku["CUP"] == (12_000, 3, 2)  # Ann's and Cy's (Bob's returned)
    assert by_sku["SAMPLE"] == (0, 1, 1) and "BEANS" in by_sku
    assert (await top(clean_db, Q1, LINE))[""] == (3_996, 4, 2)  # the teas

    # When cups are returned and orders made after the rollup
    await more(clean_db, people, orders)
    # Then the days they touch are read from the rows: Ann bought no cup any more
    await agree(clean_db)
    assert (await top(clean_db, Q1, SKU))["CUP"] == (4_000, 1, 1)
    await holds(clean_db)  # the rollups of those days are stale, and left out

    second = await roll_up_products_now(UnitOfWork(clean_db))
    assert second.days == 4  # January 10, February 28, March 3, April 2
    await agree(clean_db)
    by_sku = await top(clean_db, Q1, SKU)
    assert by_sku["CUP"] == (4_000, 1, 1) and by_sku["BEANS"] == (27_000, 18, 3)
    await holds(clean_db)

    # And a run with nothing new recomputes nothing, and changes nothing
    kept = await rollups(clean_db)
    again = await roll_up_products_now(UnitOfWork(clean_db))
    assert (again.days, await rollups(clean_db)) == (0, kept)
    await agree(clean_db)


async def one_batch_at_a_time(engine: AsyncEngine, batch: int) -> int:
    """Run the job a batch (a transaction) at a time, checking the report after each; how
    many batches rolled something up."""
    batches = 0
    for _ in range(100):
        claims, _days = await run(
            UnitOfWork(engine), RollUpTogether(STREAMS, batch, recompute_touched_days)
        )
        if claims.any:
            batches += 1
            await agree(engine, limits=(100,))
        elif all(c.pending_to is None for c in claims.of.values()):
            return batches
    raise AssertionError("the job did not catch up")


@pytest.mark.parametrize("batch", [1, 3])
async def test_the_report_is_the_plain_sql_after_every_batch(
    clean_db: AsyncEngine, batch: int
) -> None:
    # Given orders rolled up, then refunds and orders after them
    people, orders = await seed(clean_db)
    await roll_up_products_now(UnitOfWork(clean_db), batch=batch)
    await more(clean_db, people, orders)
    # When the job rolls them up a batch at a time, then the report is right after each
    # (a refund may be claimed before the order it returns, or after)
    assert await one_batch_at_a_time(clean_db, batch) == -(-3 // batch)  # 3 made, 2 refunds
    await holds(clean_db)


async def test_from_nothing_a_batch_at_a_time(clean_db: AsyncEngine) -> None:
    people, orders = await seed(clean_db)
    await more(clean_db, people, orders)
    assert await one_batch_at_a_time(clean_db, 1) == 11  # 11 orders made, 3 refunds
    await holds(clean_db)


async def test_a_writer_open_while_the_watermarks_are_taken_is_rolled_up_once(
    clean_db: AsyncEngine,
) -> None:
    people, orders = await seed(clean_db)
    await roll_up_products_now(UnitOfWork(clean_db))
    async with clean_db.connect() as open_writer:
        await open_writer.begin()
        # A writer takes a made number and a refund id (Dee returns her mugs) and stays open
        made = await open_writer.execute(
            text(
                "INSERT INTO purchases (shop, order_id, customer_id, channel, status,"
                " total_minor, occurred_at) VALUES ('main', 'late', :c, 'POS', 'PAID', 2000,"
                " :at) RETURNING id"
            ),
            {"c": people["bob"], "at": at(2, 14, 10)},
        )
        await open_writer.execute(
            text(
                "INSERT INTO purchase_lines (purchase_id, line_no, sku, quantity,"
                " unit_price_minor, discounted, product_line) VALUES (:p, 1, 'MUG', 2, 1000,"
                " false, 'kitchen')"
            ),
            {"p": made.scalar_one()},
        )
        await open_writer.execute(
            text(
                "UPDATE purchase_lines SET refunded_quantity = 5 WHERE purchase_id = :p"
                " AND line_no = 2"
            ),
            {"p": orders["dee_feb"]},
        )
        await open_writer.execute(
            text(
                "INSERT INTO refunds (purchase_id, idempotency_key, lines, amount_minor,"
                " points_due, points_taken, points_uncollected) VALUES (:p, 'late', '[]',"
                " 5000, 0, 0, 0)"
            ),
            {"p": orders["dee_feb"]},
        )
        # While a later order commits
        await add_purchase(
            clean_db, people["cy"], at(2, 14, 18), 1_000, lines=[Line("MUG", 1, 1_000, "kitchen")]
        )
        taken = await roll_up_products(UnitOfWork(clean_db))  # takes the pending watermarks
        assert taken.made.pending_to is not None and taken.refunds.pending_to is not None
        assert taken.days == 0
        waiting = await roll_up_products(UnitOfWork(clean_db))  # the writer is still open
        assert waiting.days == 0
        await agree(clean_db, limits=(100,))
        await open_writer.commit()
    await agree(clean_db, limits=(100,))  # above the watermarks: February 14 from the rows
    await roll_up_products_now(UnitOfWork(clean_db))
    await agree(clean_db)
    feb = Period(at(2, 1, 0), at(3, 1, 0))
    assert (await top(clean_db, feb, SKU))["MUG"] == (3_000, 3, 2)  # Bob's and Cy's, not Dee's
    await holds(clean_db)


async def test_the_audit_catches_a_tampered_rollup(clean_db: AsyncEngine) -> None:
    people, _orders = await seed(clean_db)
    await roll_up_products_now(UnitOfWork(clean_db))
    await holds(clean_db)
    # Given a day's units changed, a month's buyers swapped for as many others, a row lost
    await execute(
        clean_db,
        "UPDATE product_days SET units = units + 1"
        " WHERE day = '2026-01-10' AND grouping = 'SKU' AND key = 'BEANS'",
    )
    await execute(
        clean_db,
        "UPDATE product_months SET buyers = :ann"
        " WHERE month = '2026-01-01' AND grouping = 'SKU' AND key = 'MUG'",
        ann=buyer_sets.dump(BitMap64([people["ann"]])),
    )
    await execute(
        clean_db,
        "DELETE FROM product_days"
        " WHERE day = '2026-02-14' AND grouping = 'PRODUCT_LINE' AND key = 'coffee'",
    )
    async with clean_db.connect() as conn:
        found = await product_rollups_equal_rows(conn)
    assert sorted(found) == [
        "product_days 2026-01-10 SKU 'BEANS': rows give (9000, 6, 2), the rollup (9000, 7, 2)"
        " (revenue_minor, units, buyers)",
        "product_days 2026-02-14 PRODUCT_LINE 'coffee': rows give (1500, 1, 1), the rollup"
        " (None, None, 0) (revenue_minor, units, buyers); other buyers",
        "product_months 2026-01-01 SKU 'MUG': rows give (2000, 2, 1), the rollup (2000, 2, 1)"
        " (revenue_minor, units, buyers); other buyers",
    ]


async def test_runs_at_once_take_turns(clean_db: AsyncEngine) -> None:
    people, orders = await seed(clean_db)
    await more(clean_db, people, orders)
    # Given eight runs at once, twice (the first round takes the pending watermarks)
    for _ in range(2):
        await asyncio.gather(*(roll_up_products(UnitOfWork(clean_db)) for _ in range(8)))
    # Then the rollups are the rows'
    await agree(clean_db, limits=(100,))
    await holds(clean_db)


def test_a_period_is_read_from_clean_months_clean_days_and_the_rows_of_the_rest() -> None:
    # Given February and April with a dirty day, and a dirty April 30 and May 1
    dirty = {date(2026, 2, 14), date(2026, 4, 30), date(2026, 5, 1)}
    parts = split_period(at(1, 30, 12), at(5, 2, 6), dirty)
    # Then March is read whole, the other clean days one by one, and the rest from the rows:
    # the end of January 30, February 14, and April 30 to the end (adjacent ranges as one)
    days = [date(2026, 1, 31)] + [date(2026, 2, d) for d in range(1, 29) if d != 14]
    assert (parts.months, parts.days) == (
        [date(2026, 3, 1)],
        days + [date(2026, 4, d) for d in range(1, 30)],
    )
    assert list(zip(parts.starts, parts.ends, strict=True)) == [
        (at(1, 30, 12), at(1, 31, 0)),
        (at(2, 14, 0), at(2, 15, 0)),
        (at(4, 30, 0), at(5, 2, 6)),
    ]
    # A period within a day, naive times as UTC: its rows alone
    naive = split_period(datetime(2026, 1, 10, 13), datetime(2026, 1, 10, 14), set())
    assert (naive.months, naive.days, naive.starts, naive.ends) == (
        [],
        [],
        [at(1, 10, 13)],
        [at(1, 10, 14)],
    )
    assert split_period(at(1, 1, 0), at(1, 1, 0) + timedelta(days=1), set()).days == [
        date(2026, 1, 1)
    ]
