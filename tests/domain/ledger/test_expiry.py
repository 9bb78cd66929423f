"""Expiry: the date each new lot gets, and the job that expires what lots past their date
have left (never spent points, never twice, never held ones, safely on two workers)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.cancellations import cancel_redemption
from domain.checkout.holds import capture_hold, hold_points, release_hold
from domain.checkout.quote import CartLine
from domain.checkout.redemptions import redeem_points
from domain.customers.services import create_customer
from domain.ledger.expiry_job import ExpiryRun, expire_points
from domain.ledger.services import adjust_points
from domain.ledger.validity import update_expiry_rule
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.services import PurchaseReport, record_purchase
from domain.uow import UnitOfWork
from tests.support.ledger import assert_ledger_sound

CART = [CartLine("A", 5, 2_000)]  # 100.00: up to 10,000 points at 100 points = 1.00


async def customer(engine: AsyncEngine) -> str:
    return str((await create_customer(UnitOfWork(engine), {}, None)).item.id)


async def credit(engine: AsyncEngine, cid: str, points: int, key: str) -> datetime:
    """Credit by hand; the time of the entry."""
    movement = await adjust_points(UnitOfWork(engine), cid, points, "credit", key, "t")
    return movement.entry.created_at


async def validity(engine: AsyncEngine, days: int | None = None, months: int | None = None) -> None:
    await update_expiry_rule(UnitOfWork(engine), days, months)


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(sql), params))


async def account(engine: AsyncEngine, cid: str) -> tuple[int, int, int, int, int]:
    (row,) = await rows(
        engine,
        "SELECT balance, held, lifetime_earned, lifetime_spent, lifetime_expired "
        "FROM point_accounts WHERE customer_id = :c",
        c=int(cid),
    )
    return (row.balance, row.held, row.lifetime_earned, row.lifetime_spent, row.lifetime_expired)


async def lots(engine: AsyncEngine, cid: str) -> list[tuple[int, datetime | None]]:
    found = await rows(
        engine,
        "SELECT remaining, expires_at FROM point_lots WHERE customer_id = :c ORDER BY id",
        c=int(cid),
    )
    return [(r.remaining, r.expires_at) for r in found]


def a_year_after(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    try:
        return utc.replace(year=utc.year + 1)
    except ValueError:  # 29 February: PostgreSQL gives 28 February
        return utc.replace(year=utc.year + 1, day=28)


def midnight_after(moment: datetime, days: int = 0) -> datetime:
    """00:00 UTC of the day after `moment` + `days`: when a lot opened at `moment` expires."""
    day: date = (moment.astimezone(UTC) + timedelta(days=days)).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


async def test_new_lots_expire_at_the_end_of_the_utc_day_of_their_validity(
    clean_db: AsyncEngine,
) -> None:
    cid = await customer(clean_db)
    # Given no validity, a credit never expires
    await credit(clean_db, cid, 10, "never")
    # Given 30 days, a credit expires at 00:00 UTC after the 30th day
    await validity(clean_db, days=30)
    at_30 = await credit(clean_db, cid, 20, "days")
    # Given 12 months, a month-aware date
    await validity(clean_db, months=12)
    at_12 = await credit(clean_db, cid, 30, "months")
    # And a purchase award and a registration credit open lots the same way
    report = PurchaseReport("O-1", PurchaseStatus.PAID, [Line("A", 1, 500)], customer_id=cid)
    await record_purchase(UnitOfWork(clean_db), report, "t")
    (awarded_at,) = await rows(clean_db, "SELECT created_at FROM ledger_entries WHERE points = 5")

    found = await lots(clean_db, cid)
    assert found[0] == (10, None)
    assert found[1] == (20, midnight_after(at_30, 30))
    assert found[2] == (30, midnight_after(a_year_after(at_12)))
    assert found[3] == (5, midnight_after(a_year_after(awarded_at[0])))


async def test_the_job_expires_what_is_left_never_what_was_spent_and_only_once(
    clean_db: AsyncEngine,
) -> None:
    # Given 100 points valid 30 days, then 40 valid 60 days, and 30 spent
    cid = await customer(clean_db)
    await validity(clean_db, days=30)
    first = await credit(clean_db, cid, 100, "a")
    await validity(clean_db, days=60)
    await credit(clean_db, cid, 40, "b")
    await adjust_points(UnitOfWork(clean_db), cid, -30, "spent", "c", "t")
    # Then the spend took the points that expire first
    assert [r for r, _ in await lots(clean_db, cid)] == [70, 40]

    # When the job runs the day before the first lot's date: nothing expires
    eve = midnight_after(first, 30) - timedelta(seconds=1)
    assert (await expire_points(UnitOfWork(clean_db), eve)).points == 0
    # When it runs at its date: what that lot has left, 70, expires (not the 100 granted)
    run = await expire_points(UnitOfWork(clean_db), midnight_after(first, 30))
    assert (run.customers, run.points) == (1, 70)
    balance, held, earned, spent, expired = await account(clean_db, cid)
    assert (balance, held, earned, spent, expired) == (40, 0, 140, 30, 70)
    # When it runs again, nothing more
    assert (await expire_points(UnitOfWork(clean_db), midnight_after(first, 30))).points == 0
    (entry,) = await rows(clean_db, "SELECT points, kind FROM ledger_entries WHERE points = -70")
    assert entry.kind == "EXPIRY"
    await assert_ledger_sound(clean_db)


async def test_held_points_stay_until_the_hold_ends_then_the_next_run_expires_them(
    clean_db: AsyncEngine,
) -> None:
    # Given 100 points valid 30 days and 10 never expiring, with a hold of 50 on an order
    cid = await customer(clean_db)
    await credit(clean_db, cid, 10, "forever")
    await validity(clean_db, days=30)
    at = await credit(clean_db, cid, 100, "a")
    hold = await hold_points(UnitOfWork(clean_db), cid, 50, "h", "O-1", CART)
    due = midnight_after(at, 30)

    # When the job runs: only what is not held expires (110 - 50 = 60), 40 stay in the lot
    assert (await expire_points(UnitOfWork(clean_db), due)).points == 60
    assert await account(clean_db, cid) == (50, 50, 110, 0, 60)
    assert [r for r, _ in await lots(clean_db, cid)] == [10, 40]
    # And a second run cannot take held points
    assert (await expire_points(UnitOfWork(clean_db), due)).points == 0

    # When the hold is released, the next run expires the lot's 40
    await release_hold(UnitOfWork(clean_db), str(hold.id))
    assert (await expire_points(UnitOfWork(clean_db), due)).points == 40
    assert await account(clean_db, cid) == (10, 0, 110, 0, 100)
    await assert_ledger_sound(clean_db)


async def test_a_captured_hold_spends_the_points_past_their_date_first(
    clean_db: AsyncEngine,
) -> None:
    # Given 100 points past their date, 50 held, and 60 more that expire later
    cid = await customer(clean_db)
    await validity(clean_db, days=30)
    at = await credit(clean_db, cid, 100, "a")
    await validity(clean_db, days=90)
    await credit(clean_db, cid, 60, "b")
    hold = await hold_points(UnitOfWork(clean_db), cid, 120, "h", "O-1", CART)
    due = midnight_after(at, 30)
    # When the job runs: 160 - 120 = 40 expire, 60 of the lot stay (held)
    assert (await expire_points(UnitOfWork(clean_db), due)).points == 40
    # When the hold is captured, it spends those 60 first, then 60 of the later lot
    await capture_hold(UnitOfWork(clean_db), str(hold.id), "t")
    assert [r for r, _ in await lots(clean_db, cid)] == [0, 0]
    # Then nothing is left to expire
    assert (await expire_points(UnitOfWork(clean_db), due)).points == 0
    assert await account(clean_db, cid) == (0, 0, 160, 120, 40)
    await assert_ledger_sound(clean_db)


async def test_points_given_back_to_a_lot_keep_its_date_and_expire_at_the_next_run(
    clean_db: AsyncEngine,
) -> None:
    # Given 100 points valid 30 days, 80 of them paying an order, the rest expired
    cid = await customer(clean_db)
    await validity(clean_db, days=30)
    at = await credit(clean_db, cid, 100, "a")
    paid = await redeem_points(UnitOfWork(clean_db), cid, "default", "O-1", 80, CART, "r", "t")
    due = midnight_after(at, 30)
    assert (await expire_points(UnitOfWork(clean_db), due)).points == 20
    # When the order is cancelled, its 80 points go back to their lot, past its date
    await cancel_redemption(UnitOfWork(clean_db), str(paid.id), "t")
    assert await lots(clean_db, cid) == [(80, due)]
    # Then the next run expires them
    assert (await expire_points(UnitOfWork(clean_db), due)).points == 80
    assert await account(clean_db, cid) == (0, 0, 100, 0, 100)
    await assert_ledger_sound(clean_db)


async def test_two_runs_at_once_expire_each_lot_once(clean_db: AsyncEngine) -> None:
    # Given 25 customers with 100 points past their date each, 30 spent by some
    await validity(clean_db, days=1)
    ids = [await customer(clean_db) for _ in range(25)]
    times = [await credit(clean_db, cid, 100, f"c{cid}") for cid in ids]
    for cid in ids[::3]:
        await adjust_points(UnitOfWork(clean_db), cid, -30, "spent", f"s{cid}", "t")
    due = max(midnight_after(t, 1) for t in times)
    expected = 25 * 100 - 30 * len(ids[::3])

    # When two runs, in small batches so that they meet on the same customers, go at once
    first, second = await asyncio.gather(
        expire_points(UnitOfWork(clean_db), due, batch_customers=4),
        expire_points(UnitOfWork(clean_db), due, batch_customers=3),
    )

    # Then between them every customer's points expired exactly once
    assert first.points + second.points == expected
    assert first.customers + second.customers == 25
    (row,) = await rows(
        clean_db,
        "SELECT count(*) AS entries, count(DISTINCT customer_id) AS customers, "
        "-sum(points) AS points FROM ledger_entries WHERE kind = 'EXPIRY'",
    )
    assert (row.entries, row.customers, row.points) == (25, 25, expected)
    await assert_ledger_sound(clean_db)
    # And each run that expired anything told its own totals once (in its last batch)
    finished = await rows(
        clean_db,
        "SELECT customer_id, payload FROM domain_events WHERE type = 'ExpiryRunFinished'",
    )
    runs = [run for run in (first, second) if run.points]
    assert sorted(
        (r.customer_id, r.payload["customers"], r.payload["points"]) for r in finished
    ) == (sorted((None, run.customers, run.points) for run in runs))
    assert {r.payload["as_of"] for r in finished} == {due.isoformat()}


async def test_many_lots_expire_set_based_in_batches(clean_db: AsyncEngine) -> None:
    # Given 20,000 customers with a lot of 7 points past its date each (written set-based)
    async with clean_db.begin() as conn:
        await conn.execute(text(SEED_CUSTOMERS_WITH_DUE_LOTS), {"n": 20_000, "points": 7})
    # When the job runs, 1000 customers a batch
    run = await expire_points(UnitOfWork(clean_db), datetime.now(UTC))
    # Then every lot expired, and the ledger is sound
    assert (run.customers, run.points) == (20_000, 140_000)
    (left,) = await rows(clean_db, "SELECT count(*) FROM point_lots WHERE remaining > 0")
    assert left[0] == 0
    await assert_ledger_sound(clean_db)
    # And the run's totals over its 20 batches are one ExpiryRunFinished event
    finished = await rows(
        clean_db, "SELECT payload FROM domain_events WHERE type = 'ExpiryRunFinished'"
    )
    assert [(f.payload["customers"], f.payload["points"]) for f in finished] == [(20_000, 140_000)]
    # And a run that finds nothing to expire tells nothing
    assert await expire_points(UnitOfWork(clean_db), datetime.now(UTC)) == ExpiryRun(0, 0)
    assert (
        len(await rows(clean_db, "SELECT 1 FROM domain_events WHERE type = 'ExpiryRunFinished'"))
        == 1
    )


# Customers with one credit each whose lot expired yesterday; consistent with the ledger.
SEED_CUSTOMERS_WITH_DUE_LOTS = """
    WITH c AS (
        INSERT INTO customers (category_id)
        SELECT (SELECT id FROM point_categories WHERE is_default) FROM generate_series(1, :n)
        RETURNING id),
    a AS (
        INSERT INTO point_accounts (customer_id, balance, lifetime_earned)
        SELECT id, :points, :points FROM c),
    e AS (
        INSERT INTO ledger_entries (customer_id, points, balance_after, kind, actor)
        SELECT id, :points, :points, 'MANUAL', 'seed' FROM c
        RETURNING id, customer_id)
    INSERT INTO point_lots (customer_id, entry_id, granted, remaining, expires_at)
    SELECT customer_id, id, :points, :points, now() - interval '1 day' FROM e
"""
