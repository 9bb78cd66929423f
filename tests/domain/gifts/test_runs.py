"""Paying gift schedules: once per period whatever the workers do, to every matching
customer at once, skipping (and counting) those at the balance ceiling."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.categories import create_category
from domain.customers.placement import set_category
from domain.customers.services import create_customer
from domain.errors import DomainError, ErrorCode
from domain.gifts.cron import next_after
from domain.gifts.models import GiftFilter, GiftSchedule, GiftScheduleSpec
from domain.gifts.runs import run_gift_schedules
from domain.gifts.services import create_gift_schedule, list_gift_schedules, update_gift_schedule
from domain.ledger.services import adjust_points
from domain.ledger.validity import update_expiry_rule
from domain.limits import BALANCE_CEILING
from domain.uow import UnitOfWork
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import bare_customers

MONTHLY = "0 9 1 * *"


async def customer(engine: AsyncEngine, points: int = 0) -> int:
    made = (await create_customer(UnitOfWork(engine), {}, None)).item
    if points:
        await adjust_points(UnitOfWork(engine), str(made.id), points, "start", f"s{made.id}", "t")
    return made.id


async def schedule(engine: AsyncEngine, **changes: Any) -> GiftSchedule:
    """A monthly gift of 50 points ("Thank you for being with us"), with these changes."""
    spec = GiftScheduleSpec("Monthly thanks", MONTHLY, 50, "Thank you for being with us")
    spec = replace(spec, **changes)
    return (await create_gift_schedule(UnitOfWork(engine), spec, f"gift-{spec.name}")).item


def periods_after(made: GiftSchedule, count: int, cron: str = MONTHLY) -> list[datetime]:
    """The first `count` fire times after the schedule was made."""
    found: list[datetime] = []
    moment = made.runs_from
    for _ in range(count):
        fire = next_after(cron, moment)
        assert fire is not None
        found.append(fire)
        moment = fire
    return found


async def rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(sql)))


async def balances(engine: AsyncEngine) -> dict[int, int]:
    found = await rows(engine, "SELECT customer_id, balance FROM point_accounts")
    return {int(c): int(b) for c, b in found}


async def test_a_due_period_credits_each_matching_customer_once_with_the_description(
    clean_db: AsyncEngine,
) -> None:
    # Given two customers and a monthly gift of 50 points
    ann, bob = await customer(clean_db, 10), await customer(clean_db)
    made = await schedule(clean_db)
    first, second = periods_after(made, 2)
    # When the job runs five minutes after the first period, then again a minute later
    paid = await run_gift_schedules(UnitOfWork(clean_db), first + timedelta(minutes=5))
    again = await run_gift_schedules(UnitOfWork(clean_db), first + timedelta(minutes=6))
    # Then the period was paid once: 50 points each, a GIFT entry with the description
    assert [(p.run.period, p.run.customers_credited, p.run.points_credited) for p in paid] == [
        (first, 2, 100)
    ]
    assert again == []
    assert await balances(clean_db) == {ann: 60, bob: 50}
    entries = await rows(
        clean_db,
        "SELECT customer_id, points, kind, note, idempotency_key FROM ledger_entries "
        "WHERE kind = 'GIFT' ORDER BY customer_id",
    )
    run_id = paid[0].run.id
    assert entries == [
        (ann, 50, "GIFT", "Thank you for being with us", f"gift:{run_id}:{ann}"),
        (bob, 50, "GIFT", "Thank you for being with us", f"gift:{run_id}:{bob}"),
    ]
    # And it counts as earned, with a PointsEarned event each
    assert await rows(clean_db, "SELECT lifetime_earned FROM point_accounts ORDER BY 1") == [
        (50,),
        (60,),
    ]
    events = await rows(
        clean_db,
        "SELECT customer_id, payload->>'points', payload->>'kind' FROM domain_events "
        "WHERE type = 'PointsEarned' AND payload->>'kind' = 'GIFT' ORDER BY customer_id",
    )
    assert events == [(ann, "50", "GIFT"), (bob, "50", "GIFT")]
    # And the next month pays again
    later = await run_gift_schedules(UnitOfWork(clean_db), second + timedelta(minutes=1))
    assert [p.run.period for p in later] == [second]
    assert await balances(clean_db) == {ann: 110, bob: 100}
    await assert_ledger_sound(clean_db)


async def test_two_workers_paying_the_same_period_at_once_pay_it_once(
    clean_db: AsyncEngine,
) -> None:
    # Given 20 customers and a due period
    ids = [await customer(clean_db) for _ in range(20)]
    made = await schedule(clean_db)
    (first,) = periods_after(made, 1)
    # When two workers (and a duplicate message) run the job at the same moment
    results = await asyncio.gather(
        *(run_gift_schedules(UnitOfWork(clean_db), first + timedelta(minutes=1)) for _ in range(3))
    )
    # Then exactly one of them paid the period, and each customer got 50 points once
    assert sorted(len(r) for r in results) == [0, 0, 1]
    assert await balances(clean_db) == dict.fromkeys(ids, 50)
    assert await rows(clean_db, "SELECT count(*) FROM gift_runs") == [(1,)]
    await assert_ledger_sound(clean_db)
    # And one GiftRunFinished event tells the run's totals
    (run,) = await rows(clean_db, "SELECT id FROM gift_runs")
    assert await rows(
        clean_db, "SELECT customer_id, payload FROM domain_events WHERE type = 'GiftRunFinished'"
    ) == [
        (
            None,
            {
                "run_id": run.id,
                "schedule_id": made.id,
                "schedule_name": "Monthly thanks",
                "period": first.isoformat(),
                "customers_credited": 20,
                "customers_skipped": 0,
                "points": 1000,
            },
        )
    ]


async def test_a_customer_at_the_ceiling_is_skipped_and_counted_not_failing_the_run(
    clean_db: AsyncEngine,
) -> None:
    # Given a customer 10 points below the balance ceiling and another with nothing
    full = await customer(clean_db, BALANCE_CEILING - 10)
    other = await customer(clean_db)
    (first,) = periods_after(await schedule(clean_db), 1)
    # When the gift of 50 is paid
    (paid,) = await run_gift_schedules(UnitOfWork(clean_db), first)
    # Then the other customer got it, the full one was skipped and counted
    assert (paid.run.customers_credited, paid.run.customers_skipped) == (1, 1)
    assert paid.run.points_credited == 50
    assert await balances(clean_db) == {full: BALANCE_CEILING - 10, other: 50}
    await assert_ledger_sound(clean_db)


async def test_a_period_missed_while_down_is_paid_once_and_older_ones_are_not_replayed(
    clean_db: AsyncEngine,
) -> None:
    # Given a monthly gift whose first period was paid
    ann = await customer(clean_db)
    first, _, third, fourth = periods_after(await schedule(clean_db), 4)
    await run_gift_schedules(UnitOfWork(clean_db), first)
    # When everything was down for the second and third periods and comes back after the third
    back = await run_gift_schedules(UnitOfWork(clean_db), third + timedelta(days=3))
    # Then only the third is paid, once; the second is never paid
    assert [p.run.period for p in back] == [third]
    assert await run_gift_schedules(UnitOfWork(clean_db), fourth - timedelta(minutes=1)) == []
    assert await balances(clean_db) == {ann: 100}
    periods = await rows(clean_db, "SELECT period FROM gift_runs ORDER BY period")
    assert periods == [(first,), (third,)]


async def test_a_random_hour_field_is_refused_and_a_schedule_saved_with_one_never_pays(
    clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Rule: a gift's `cron` is "five crontab fields in UTC"; an expression that is not is
    INVALID_CRON on `cron`, and "each period is paid once ... a customer gets at most one
    gift per fire time, never a burst" (docs/engagement.md, Periodic gifts).

    croniter's `R` (random) is not crontab: check_cron (domain/gifts/cron.py), the one check
    of gift schedules and funnels' schedules, refuses `0 R * * *` naming the hour field.
    croniter would draw another hour at each evaluation, so a schedule holding one (saved
    before the check refused it) would pay a new "period" at every run of the minute job:
    such a schedule never fires (next_after and latest_until find no fire time for an
    expression outside crontab), pays nothing, and says why in the log once an hour (not at
    every run of the minute job); it can be paused without fixing it."""
    ann = await customer(clean_db)
    # When a daily gift whose hour field is croniter's `R` is made
    spec = GiftScheduleSpec("Daily", "0 R * * *", 50, "Daily thanks")
    with pytest.raises(DomainError) as refused:
        await create_gift_schedule(UnitOfWork(clean_db), spec, "daily")
    # Then it is refused on its cron, naming the field and what is wrong with it
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("cron", ErrorCode.INVALID_CRON)
    assert "The hour field 'R' is not valid: 'R' (random)" in problem.message
    # Given a daily gift saved before the rule with the same cron
    made = await schedule(clean_db, name="Daily", cron="0 3 * * *")
    async with clean_db.begin() as conn:
        await conn.execute(
            text("UPDATE gift_schedules SET cron = '0 R * * *' WHERE id = :id"), {"id": made.id}
        )
    # (croniter would draw R's hour from random.randint at every evaluation: 03:00 for the
    # first run, 15:00 for the second, as random draws may well be)
    draws: Iterator[int] = iter([3 << 1, 3 << 1, 15 << 1, 15 << 1] + [15 << 1] * 20)
    croniter_module = sys.modules["croniter.croniter"]
    monkeypatch.setattr(croniter_module.random, "randint", lambda a, b: next(draws))
    # When the minute job runs twice late on the same day
    day = (made.runs_from + timedelta(days=1)).replace(hour=23, minute=50, second=0, microsecond=0)
    with caplog.at_level(logging.WARNING, logger="domain.gifts.runs"):
        paid = await run_gift_schedules(UnitOfWork(clean_db), day)
        paid += await run_gift_schedules(UnitOfWork(clean_db), day + timedelta(minutes=1))
    # Then it paid no period, and the first run said why (the second, a minute later, not
    # again)
    assert paid == []
    assert await rows(clean_db, "SELECT count(*) FROM gift_runs") == [(0,)]
    gifts = f"SELECT count(*) FROM ledger_entries WHERE customer_id = {ann} AND kind = 'GIFT'"
    assert await rows(clean_db, gifts) == [(0,)]
    warned = [r.getMessage() for r in caplog.records if "its cron is refused" in r.getMessage()]
    assert len(warned) == 1 and "'R' (random)" in warned[0]
    # And it shows no next run until its cron is replaced
    (listed,) = (await list_gift_schedules(UnitOfWork(clean_db), 10, None)).items
    assert listed.next_run_at(day) is None
    # When a manager changes its points but keeps the cron, then that is refused on the cron
    with pytest.raises(DomainError) as kept:
        await update_gift_schedule(UnitOfWork(clean_db), str(made.id), {"points": 60})
    assert [(p.field, p.code) for p in kept.value.problems] == [("cron", ErrorCode.INVALID_CRON)]
    # When she pauses it instead, then it is paused, cron and all, without fixing it first
    paused = await update_gift_schedule(UnitOfWork(clean_db), str(made.id), {"active": False})
    assert (paused.spec.active, paused.spec.cron) == (False, "0 R * * *")
    # And making it active again checks the cron once more
    with pytest.raises(DomainError) as resumed:
        await update_gift_schedule(UnitOfWork(clean_db), str(made.id), {"active": True})
    assert [(p.field, p.code) for p in resumed.value.problems] == [("cron", ErrorCode.INVALID_CRON)]


async def test_a_paused_schedule_pays_nothing_and_resumed_pays_no_period_from_its_pause(
    clean_db: AsyncEngine,
) -> None:
    # Given a monthly gift paused before its first period
    ann = await customer(clean_db)
    made = await schedule(clean_db)
    first, second = periods_after(made, 2)
    await update_gift_schedule(UnitOfWork(clean_db), str(made.id), {"active": False})
    # Then no period is paid while it is paused
    assert await run_gift_schedules(UnitOfWork(clean_db), first + timedelta(days=1)) == []
    # When it is resumed, its periods count from then on
    resumed = await update_gift_schedule(UnitOfWork(clean_db), str(made.id), {"active": True})
    assert resumed.runs_from > made.runs_from
    # (as if resumed a day after the first period, which fell in the pause)
    async with clean_db.begin() as conn:
        await conn.execute(
            text("UPDATE gift_schedules SET runs_from = :t"), {"t": first + timedelta(days=1)}
        )
    # Then the first period is never paid, the second is
    assert await run_gift_schedules(UnitOfWork(clean_db), first + timedelta(days=2)) == []
    paid = await run_gift_schedules(UnitOfWork(clean_db), second)
    assert [p.run.period for p in paid] == [second]
    assert await balances(clean_db) == {ann: 50}


async def test_the_filter_selects_by_category_balance_and_registration(
    clean_db: AsyncEngine,
) -> None:
    # Given a VIP with 500 points, a VIP with 5,000, a Base customer with 500
    vip = (await create_category(UnitOfWork(clean_db), "VIP", "2", False)).item
    rich, poor_vip, base = (
        await customer(clean_db, 5_000),
        await customer(clean_db, 500),
        await customer(clean_db, 500),
    )
    await set_category(UnitOfWork(clean_db), str(vip.id), "t", [str(rich), str(poor_vip)])
    registered = {c: r for c, r in await rows(clean_db, "SELECT id, created_at FROM customers")}
    # And a gift for VIPs with 100 to 1,000 points
    only_vip = GiftFilter(category_ids=(str(vip.id),), min_balance=100, max_balance=1_000)
    made = await schedule(clean_db, filter=only_vip)
    (first,) = periods_after(made, 1)
    # When it is paid, then only the VIP with 500 points gets it
    (paid,) = await run_gift_schedules(UnitOfWork(clean_db), first)
    assert paid.run.customers_credited == 1
    assert await balances(clean_db) == {rich: 5_000, poor_vip: 550, base: 500}
    # And a gift for customers registered from the second one on skips the first
    since = GiftFilter(registered_after=registered[poor_vip])
    made = await schedule(clean_db, name="Newcomers", points=7, filter=since)
    (first,) = periods_after(made, 1)
    (paid,) = await run_gift_schedules(UnitOfWork(clean_db), first)
    assert await balances(clean_db) == {rich: 5_000, poor_vip: 557, base: 507}
    before = replace(since, registered_after=None, registered_before=registered[poor_vip])
    made = await schedule(clean_db, name="Early birds", points=3, filter=before)
    (first,) = periods_after(made, 1)
    await run_gift_schedules(UnitOfWork(clean_db), first)
    assert await balances(clean_db) == {rich: 5_003, poor_vip: 557, base: 507}
    await assert_ledger_sound(clean_db)


async def test_gifts_for_three_thousand_customers_are_one_run_in_one_statement_and_fast(
    clean_db: AsyncEngine,
) -> None:
    # Given 3,000 customers
    await bare_customers(clean_db, 3000)
    (first,) = periods_after(await schedule(clean_db), 1)
    # When the gift is paid
    started = time.perf_counter()
    (paid,) = await run_gift_schedules(UnitOfWork(clean_db), first)
    elapsed_s = time.perf_counter() - started
    # Then it is one run crediting all 3,000, well within the job's minute
    assert (paid.run.customers_credited, paid.run.points_credited) == (3000, 150_000)
    assert await rows(clean_db, "SELECT count(*), sum(points) FROM ledger_entries") == [
        (3000, 150_000)
    ]
    assert await rows(clean_db, "SELECT count(*) FROM point_lots") == [(3000,)]
    assert elapsed_s < 10, elapsed_s
    await assert_ledger_sound(clean_db)


async def test_the_lots_a_gift_opens_expire_by_the_programs_validity(
    clean_db: AsyncEngine,
) -> None:
    # Given points valid for 30 days, a customer and a monthly gift
    await update_expiry_rule(UnitOfWork(clean_db), 30, None)
    ann = await customer(clean_db)
    first = periods_after(await schedule(clean_db), 1)[0]
    # When the period is paid
    await run_gift_schedules(UnitOfWork(clean_db), first + timedelta(minutes=5))
    # Then the gift's lot expires at the end of the UTC day 30 days after it was opened
    (lot,) = await rows(
        clean_db,
        "SELECT l.customer_id, l.expires_at, e.created_at FROM point_lots l "
        "JOIN ledger_entries e ON e.id = l.entry_id WHERE e.kind = 'GIFT'",
    )
    opened_day = lot.created_at.astimezone(UTC).date()
    assert lot.customer_id == ann
    assert lot.expires_at == datetime.combine(
        opened_day + timedelta(days=31), datetime.min.time(), tzinfo=UTC
    )
