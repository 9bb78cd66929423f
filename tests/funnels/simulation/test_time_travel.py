"""Given waits until a birthday, a time of day or a duration, when a funnel is dry-run with
time travel, then each customer's clock moves to their own wake-up time: the steps after
report when customers reach them, filters (a branch, the exit filter) are read at those
times, caps and quiet hours are decided then; a wait past the horizon and a loop beyond
its rounds stop the walk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from notifications.fatigue.models import LimitChannel, PeriodUnit
from notifications.fatigue.validation import ChannelLimitsSpec, QuietHoursSpec
from tests.funnels.engine.support import START
from tests.funnels.simulation.support import (
    balanced,
    by_step,
    campaign,
    paths,
    seed_messaging,
    shopper,
    simulate,
)
from tests.notifications.fatigue.support import cap, limits

BIRTHDAY = campaign("wait", [
    {"id": "wait", "type": "wait", "untilDate": {"attribute": "birthDate"}, "next": "today"},
    {"id": "today", "type": "branch", "filter": {"birthday": {"today": True}}, "yes": "gift",
     "no": "late"},
    {"id": "gift", "type": "addPoints", "points": 500},
    {"id": "late", "type": "exit"},
])  # fmt: skip


async def test_a_birthday_wait_wakes_each_on_their_day_and_the_branch_reads_that_day(
    clean_db: AsyncEngine,
) -> None:
    # Given (asOf 7 December 2026) a Roman born on 17 December, a Londoner born on 1 June
    await shopper(clean_db, birth_date=date(1990, 12, 17), time_zone="Europe/Rome")
    await shopper(clean_db, birth_date=date(1985, 6, 1), time_zone="Europe/London")
    await shopper(clean_db)  # no birth date

    travelled = await simulate(clean_db, definition=BIRTHDAY, time_travel=True)

    steps = by_step(travelled)
    assert steps["wait"].failures == {"NO_DATE": 1}
    # Then each reaches the branch at the start of their birthday, in their zone
    assert (steps["today"].earliest_at, steps["today"].latest_at) == (
        datetime(2026, 12, 16, 23, tzinfo=UTC),  # midnight in Rome
        datetime(2027, 5, 31, 23, tzinfo=UTC),  # midnight in London, summer time
    )
    assert paths(steps["today"]) == {"YES": 2, "NO": 0}
    assert steps["gift"].points is not None and steps["gift"].points.added == 1000
    assert travelled.horizon == START + timedelta(days=730) and balanced(travelled)
    # Without time travel, the wait passes at once and the branch reads asOf: no birthday
    at_once = await simulate(clean_db, definition=BIRTHDAY)
    assert paths(by_step(at_once)["today"]) == {"YES": 0, "NO": 2}


async def test_a_time_of_day_wait_then_quiet_hours_are_read_at_the_simulated_send(
    clean_db: AsyncEngine,
) -> None:
    await seed_messaging(clean_db)
    # asOf is 08:00 UTC: 09:00 in Rome, 03:00 in New York
    await shopper(clean_db, phone="+393331111111", sms=True, time_zone="Europe/Rome")
    await shopper(clean_db, phone="+12125550100", sms=True, time_zone="America/New_York")
    night = QuietHoursSpec("21:00", "09:00")
    await limits(clean_db, channels=(ChannelLimitsSpec(LimitChannel.SMS, quiet_hours=night),))
    definition = campaign("ten", [
        {"id": "ten", "type": "wait", "untilTimeOfDay": "10:00", "next": "sms"},
        {"id": "sms", "type": "sendSms", "template": "hello sms"},
    ])  # fmt: skip

    travelled = by_step(await simulate(clean_db, definition=definition, time_travel=True))
    at_once = by_step(await simulate(clean_db, definition=definition))

    # Then the SMS goes at 10:00 local: 09:00 UTC in Rome, 15:00 UTC in New York
    assert (travelled["sms"].earliest_at, travelled["sms"].latest_at) == (
        datetime(2026, 12, 7, 9, tzinfo=UTC),
        datetime(2026, 12, 7, 15, tzinfo=UTC),
    )
    sent, early = travelled["sms"].messages, at_once["sms"].messages
    assert sent is not None and early is not None
    assert (sent.would_send, sent.deferred_quiet_hours) == (2, 0)
    # while at asOf (03:00 in New York) the night holds one back
    assert (early.would_send, early.deferred_quiet_hours) == (2, 1)


async def test_a_cap_window_passes_during_a_simulated_wait(clean_db: AsyncEngine) -> None:
    await seed_messaging(clean_db)
    await shopper(clean_db, phone="+393331111111", sms=True)
    await limits(clean_db, channels=(cap(LimitChannel.SMS, 1, 1, PeriodUnit.DAYS),))
    definition = campaign("first", [
        {"id": "first", "type": "sendSms", "template": "hello sms", "next": "pause"},
        {"id": "pause", "type": "wait", "duration": "P2D", "next": "second"},
        {"id": "second", "type": "sendSms", "template": "hello sms"},
    ])  # fmt: skip

    travelled = by_step(await simulate(clean_db, definition=definition, time_travel=True))
    at_once = by_step(await simulate(clean_db, definition=definition))

    assert travelled["second"].messages is not None and at_once["second"].messages is not None
    assert travelled["second"].messages.capped == 0
    assert at_once["second"].messages.capped == 1


async def test_the_exit_filter_is_read_when_a_wait_ends(clean_db: AsyncEngine) -> None:
    # Given a customer registered a day before asOf, and an exit for those registered
    # more than 30 days ago
    await shopper(clean_db, registered=START - timedelta(days=1))
    definition = campaign("month", [
        {"id": "month", "type": "wait", "duration": "P31D", "next": "points"},
        {"id": "points", "type": "addPoints", "points": 10},
    ])  # fmt: skip
    definition["exit"] = {"filter": {"registered": {"before": "P30D"}}}

    travelled = by_step(await simulate(clean_db, definition=definition, time_travel=True))
    at_once = by_step(await simulate(clean_db, definition=definition))

    assert (travelled["points"].reached, travelled["points"].exited) == (1, 1)
    assert travelled["points"].points is None
    assert (at_once["points"].reached, at_once["points"].exited) == (1, 0)


async def test_the_horizon_and_a_loops_rounds_stop_the_walk(clean_db: AsyncEngine) -> None:
    for _ in range(2):
        await shopper(clean_db)
    long_waits = campaign("first", [
        {"id": "first", "type": "wait", "duration": "P400D", "next": "second"},
        {"id": "second", "type": "wait", "duration": "P400D", "next": "points"},
        {"id": "points", "type": "addPoints", "points": 10},
    ])  # fmt: skip
    weekly = campaign("week", [
        {"id": "week", "type": "wait", "duration": "P7D", "next": "points"},
        {"id": "points", "type": "addPoints", "points": 10, "next": "week"},
    ])  # fmt: skip

    horizon = by_step(await simulate(clean_db, definition=long_waits, time_travel=True))
    loop = await simulate(clean_db, definition=weekly, time_travel=True)

    # The second wait would end 800 days after asOf, past the 730-day horizon
    assert (horizon["second"].reached, horizon["second"].stopped) == (2, {"HORIZON": 2})
    assert horizon["points"].reached == 0
    # A weekly loop runs 52 rounds, then stops at the 53rd arrival
    week, points = by_step(loop)["week"], by_step(loop)["points"]
    assert (week.reached, week.stopped, points.reached) == (2 * 53, {"LOOP": 2}, 2 * 52)
    assert points.points is not None and points.points.added == 2 * 52 * 10
    assert points.latest_at == START + timedelta(days=7 * 52)
    assert balanced(loop)


async def test_a_birthday_loop_gives_one_gift_per_birthday_within_the_horizon(
    clean_db: AsyncEngine,
) -> None:
    # Given a customer (UTC) whose birthday is asOf's day, and a yearly gift as a loop
    await shopper(clean_db, birth_date=date(1990, START.month, START.day))
    yearly = campaign("birthday", [
        {"id": "birthday", "type": "wait", "untilDate": {"attribute": "birthDate"},
         "next": "gift"},
        {"id": "gift", "type": "addPoints", "points": 500, "next": "birthday"},
    ])  # fmt: skip

    travelled = by_step(await simulate(clean_db, definition=yearly, time_travel=True))

    # Then a gift today and on the next birthday; the one after is past the horizon
    gift, wait = travelled["gift"], travelled["birthday"]
    assert gift.reached == 2 and gift.points is not None and gift.points.added == 1000
    assert gift.latest_at == START.replace(year=START.year + 1, hour=0)
    assert wait.stopped == {"HORIZON": 1}
