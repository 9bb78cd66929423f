"""The ROI from its rollups: on docs/reports.md's worked example and more, the report
answers exactly what the documented plain SQL computes (docs/reports.md, "ROI") whatever
the rollups hold: nothing rolled up, everything, a part, or everything and then changes of
every kind (an order made, one refunded, a redemption cancelled, an order reported after
the points that paid for it, a pre-join order making a member baselined), for periods at
midnight, cutting days, inside one day and over whole months. The job recomputes each day
once per batch that touches it (a second run changes nothing), takes turns with itself,
and the audit's check holds (and catches a rollup that drifted)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import watermarks
from domain.analytics import roi_rollups
from domain.analytics.invariants import CHECKS, roi_rollups_equal_rows
from domain.analytics.roi import Roi, roi_report
from domain.commands import run as run_command
from domain.reports.periods import Period
from domain.uow import UnitOfWork
from tests.schema.test_bi_sql_docs import documented, run, seed
from tests.support.purchases_sql import add_purchase
from tests.support.reports import Row, write_entries
from tests.support.roi_seed import CANCEL_USE, MAY, at, execute

PERIODS = [
    MAY,
    Period(at(5, 2, 6), at(5, 25, 18)),  # cuts its first and last days
    Period(at(5, 3, 1), at(5, 3, 23)),  # inside one day
    Period(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)),  # months
    Period(at(4, 30, 12), at(6, 2, 13)),  # months and days, cut
]


def report_figures(roi: Roi) -> dict[str, Any]:
    t = roi.total
    return {
        "sales": [
            (
                r.shop,
                r.channel,
                r.sales.revenue_minor,
                r.sales.orders,
                r.sales.active_members,
                r.sales.repeaters,
            )
            for r in roi.rows
            if r.sales.orders
        ],
        "members": (
            t.sales.revenue_minor,
            t.sales.orders,
            t.sales.active_members,
            t.sales.repeaters,
            roi.new_members,
        ),
        "costs": (
            t.costs.points_paid_minor,
            t.costs.vouchers_minor,
            t.costs.member_prices_minor,
            t.costs.card_discounts_minor,
            t.costs.current_discounts_minor,
        ),
        "baseline": (roi.baselined_members, roi.baselined_revenue_minor, roi.baseline_minor),
    }


async def sql_figures(engine: AsyncEngine, period: Period) -> dict[str, Any]:
    sql = documented()
    bounds = {"since": period.since, "until": period.until}
    sales = await run(engine, sql["roi-sales"], **bounds)
    (members,) = await run(engine, sql["roi-members"], **bounds)
    (costs,) = await run(engine, sql["roi-costs"], **bounds)
    (base,) = await run(engine, sql["roi-baseline"], **bounds)
    return {
        "sales": [
            (
                r["shop"],
                r["channel"],
                r["revenue_minor"],
                r["orders"],
                r["active_members"],
                r["repeaters"],
            )
            for r in sales
        ],
        "members": tuple(
            int(members[k] or 0)
            for k in ("revenue_minor", "orders", "active_members", "repeaters", "new_members")
        ),
        "costs": tuple(int(v) for v in costs.values()),
        "baseline": tuple(int(v) for v in base.values()),
    }


async def agree(engine: AsyncEngine) -> None:
    for period in PERIODS:
        api = report_figures(await roi_report(UnitOfWork(engine), period))
        assert api == await sql_figures(engine, period), period


async def holds(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        for check in CHECKS:
            assert await check(conn) == [], check.__name__


async def more(engine: AsyncEngine, people: dict[str, int]) -> None:
    """A change of every kind the job follows, on days already rolled up."""
    ann, cy, dee = people["ann"], people["cy"], people["dee"]
    # Cy orders again on 5 May (a day rolled up), at another channel
    await add_purchase(engine, cy, at(5, 5, 18), 2_500, shop="A", channel="WEB")
    # Ann's POS order is refunded in part
    await execute(
        engine,
        "INSERT INTO refunds (purchase_id, idempotency_key, lines, amount_minor, points_due,"
        " points_taken, points_uncollected) SELECT id, 'more-refund', '[]', 2000, 0, 0, 0"
        " FROM purchases WHERE order_id = 'A-POS-1'",
    )
    # Ann's standing redemption is cancelled by a ledger entry, as checkout cancels
    await write_entries(engine, ann, [Row("REDEMPTION_REFUND", 500, at(5, 20))])
    await execute(
        engine,
        "UPDATE redemptions SET cancelled_at = :at, cancel_entry_id = (SELECT max(id) FROM"
        " ledger_entries) WHERE idempotency_key = 'r1'",
        at=at(5, 20),
    )
    # The 2.00 voucher at shop C (a day rolled up) is given back, then used again on the
    # same order for 1.50
    await execute(engine, CANCEL_USE, key="V-2", at=at(5, 9, 1))
    await execute(
        engine,
        "INSERT INTO voucher_redemptions (voucher_id, shop, order_id, discount_minor,"
        " idempotency_key, actor, created_at) SELECT id, 'C', 'C-9', 150, 'V-2-again', 'test',"
        " :at FROM vouchers WHERE code = 'V-2'",
        at=at(5, 9, 2),
    )
    # The order at shop C the voucher was used on is reported now, on the web
    await add_purchase(engine, dee, at(5, 9, 8), 4_000, shop="C", channel="WEB", order_id="C-9")
    # Points paid on a new order, and a voucher on it, then the order
    await write_entries(engine, ann, [Row("REDEMPTION", -200, at(5, 28))])
    await execute(
        engine,
        "INSERT INTO redemptions (customer_id, shop, order_id, points, value_minor,"
        " idempotency_key, entry_id, created_at) VALUES (:c, 'A', 'A-LATE', 200, 60, 'r3',"
        " (SELECT max(id) FROM ledger_entries), :at)",
        c=ann,
        at=at(5, 28),
    )
    await add_purchase(engine, ann, at(5, 28, 13), 1_800, shop="A", order_id="A-LATE")


async def later(engine: AsyncEngine, people: dict[str, int]) -> None:
    """Dee (joined 3 May), whose member order of 9 May is rolled up, turns out to have
    ordered in April: she becomes baselined, and that order counts as a baselined member's
    revenue now."""
    await add_purchase(engine, people["dee"], at(4, 20), 3_000, shop="C")


async def test_the_report_is_the_plain_sql_whatever_the_rollups_hold(
    clean_db: AsyncEngine,
) -> None:
    people = await seed(clean_db)
    await agree(clean_db)  # nothing rolled up: every day read from the rows
    first = await roi_rollups.roll_up_roi_now(UnitOfWork(clean_db))
    assert first[roi_rollups.MADE].rows > 0
    await agree(clean_db)  # everything rolled up
    await holds(clean_db)
    await more(clean_db, people)
    await agree(clean_db)  # rollups, and days the changes above the watermarks touch
    await roi_rollups.roll_up_roi_now(UnitOfWork(clean_db))
    await agree(clean_db)
    await holds(clean_db)
    await later(clean_db, people)
    await agree(clean_db)
    await roi_rollups.roll_up_roi_now(UnitOfWork(clean_db))
    await agree(clean_db)
    await holds(clean_db)
    # Ann's 5.00 voucher of 2 May is given back, alone: only its cancellation touches the day
    await execute(clean_db, CANCEL_USE, key="V-1", at=at(5, 30))
    await agree(clean_db)
    await roi_rollups.roll_up_roi_now(UnitOfWork(clean_db))
    await agree(clean_db)
    await holds(clean_db)
    before = await rollup_rows(clean_db)
    again = await roi_rollups.roll_up_roi_now(UnitOfWork(clean_db))  # nothing new
    assert again[roi_rollups.MADE].rows == 0 and await rollup_rows(clean_db) == before


async def rollup_rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return [
            (await conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2, 3"))).all()
            for t in ("roi_days", "roi_buyer_days", "roi_buyer_months")
        ] + [(await conn.execute(text("SELECT * FROM roi_registration_days ORDER BY 1"))).all()]


@pytest.mark.parametrize("batch", [1, 3])
async def test_part_rolled_up_then_small_batches(clean_db: AsyncEngine, batch: int) -> None:
    people = await seed(clean_db)
    uow = UnitOfWork(clean_db)
    step = watermarks.RollUpTogether(roi_rollups.STREAMS, batch, roi_rollups.step)
    await run_command(uow, step)  # takes the pending watermarks
    for _ in range(3):  # rolls a few values of each stream up, not all
        await run_command(uow, step)
        await agree(clean_db)
    await more(clean_db, people)
    await roi_rollups.roll_up_roi_now(uow, batch=batch)
    await agree(clean_db)
    await holds(clean_db)


async def test_an_order_made_while_a_run_waits_is_rolled_up(clean_db: AsyncEngine) -> None:
    people = await seed(clean_db)
    async with clean_db.connect() as open_writer:
        await open_writer.begin()
        await open_writer.exec_driver_sql(
            "INSERT INTO purchases (shop, order_id, customer_id, channel, status, total_minor,"
            f" occurred_at) VALUES ('A', 'late', {people['cy']}, 'POS', 'PAID', 700,"
            " '2026-05-05T10:00:00+00:00')"
        )
        taken = await roi_rollups.roll_up_roi(UnitOfWork(clean_db))  # the pending marks
        assert taken[roi_rollups.MADE].pending_to is not None
        waiting = await roi_rollups.roll_up_roi(UnitOfWork(clean_db))  # the writer is open
        assert waiting[roi_rollups.MADE].rows == 0
        await open_writer.commit()
    await agree(clean_db)
    await roi_rollups.roll_up_roi_now(UnitOfWork(clean_db))
    await agree(clean_db)
    await holds(clean_db)


async def test_runs_at_once_take_turns(clean_db: AsyncEngine) -> None:
    await more(clean_db, await seed(clean_db))
    for _ in range(2):  # the first round takes the pending watermarks
        await asyncio.gather(*(roi_rollups.roll_up_roi(UnitOfWork(clean_db)) for _ in range(6)))
    await agree(clean_db)
    await holds(clean_db)


async def test_the_audit_catches_a_rollup_that_drifted(clean_db: AsyncEngine) -> None:
    await seed(clean_db)
    await roi_rollups.roll_up_roi_now(UnitOfWork(clean_db))
    async with clean_db.begin() as conn:
        await conn.exec_driver_sql(
            "UPDATE roi_days SET revenue_minor = revenue_minor + 1 WHERE day = '2026-05-02'"
        )
        await conn.exec_driver_sql("DELETE FROM roi_buyer_months WHERE month = '2026-05-01'")
        await conn.exec_driver_sql("UPDATE roi_registration_days SET baselined = 7")
    async with clean_db.connect() as conn:
        found = await roi_rollups_equal_rows(conn)
    assert any("roi_days 2026-05-02" in v for v in found), found
    assert any("roi_buyer_months 2026-05-01" in v for v in found), found
    assert any("roi_registration_days" in v for v in found), found
