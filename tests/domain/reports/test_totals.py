"""Totals and flows over ledger rows written at chosen times, including kinds that other
parts of the issue add (ACTION, GIFT, EXPIRY), which count as soon as they are written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError, ErrorCode
from domain.reports.flows import FlowTotals
from domain.reports.periods import Granularity, Period
from domain.reports.totals import points_flow, report_totals
from domain.uow import UnitOfWork
from tests.support.reports import Row, new_customer, write_entries


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


MAY = Period(at(5, 1, 0), at(6, 1, 0))


async def seed(engine: AsyncEngine) -> None:
    """Ann and Bob's year: purchases, a refund, redemptions (one given back), actions, a
    gift, a reversed manual credit, a manual debit and an expiry."""
    ann = await new_customer(engine, "ann")
    bob = await new_customer(engine, "bob")
    await write_entries(
        engine,
        ann,
        [
            Row("PURCHASE", 500, at(4, 30, 23, 59)),  # April
            Row("PURCHASE", 300, at(5, 1, 0, 0)),  # May's first instant
            Row("REFUND", -60, at(5, 3)),
            Row("REDEMPTION", -200, at(5, 10)),
            Row("REDEMPTION_REFUND", 20, at(5, 11)),
            Row("ACTION", 50, at(5, 12)),
            Row("EXPIRY", -90, at(5, 31, 23, 59)),
            Row("PURCHASE", 1000, at(6, 1, 0, 0)),  # June's first instant
        ],
    )
    await write_entries(
        engine,
        bob,
        [
            Row("GIFT", 100, at(5, 2)),
            Row("MANUAL", 40, at(5, 5), note="contest"),
            Row("REVERSAL", -40, at(5, 6), reverses=1),
            Row("MANUAL", -15, at(5, 7), note="damaged card"),
            Row("REDEMPTION", -30, at(7, 15)),  # July; June has nothing of Bob's
        ],
    )


async def test_a_months_totals_count_each_class_once_and_the_balance_at_its_end(
    clean_db: AsyncEngine,
) -> None:
    # Given the year above
    await seed(clean_db)

    # When the manager asks for May's totals
    totals = await report_totals(UnitOfWork(clean_db), MAY)

    # Then May counts its 10 entries (the purchases at the month's first instant in, at
    # the next month's first instant out), the reversal against the credit it cancelled
    assert totals.flow == FlowTotals(
        earned=300 + 50 + 100 + 40 - 40,
        taken_back=60,
        spent=200 - 20,
        expired=90,
        other=-15,
        operations=10,
        points_moved=300 + 60 + 200 + 20 + 50 + 90 + 100 + 40 + 40 + 15,
    )
    assert totals.flow.net == 300 - 60 - 200 + 20 + 50 - 90 + 100 + 40 - 40 - 15
    assert totals.flow.average_points == Decimal("91.50")
    # And the balance at the end of May is April's 500 plus May's net, though June and
    # July moved more since
    assert totals.balance == 500 + totals.flow.net == 605


async def test_all_time_totals_are_the_whole_ledger_and_todays_balance(
    clean_db: AsyncEngine,
) -> None:
    await seed(clean_db)
    totals = await report_totals(UnitOfWork(clean_db), Period())
    assert totals.flow.operations == 13
    assert totals.flow.net == totals.balance == 605 + 1000 - 30
    assert (totals.flow.earned, totals.flow.spent) == (1950, 210)


async def test_a_monthly_flow_has_a_zero_bucket_where_nothing_moved_and_adds_up(
    clean_db: AsyncEngine,
) -> None:
    await seed(clean_db)
    # When the flow of April to August is asked by month
    period = Period(at(4, 1, 0), at(9, 1, 0))
    buckets = await points_flow(UnitOfWork(clean_db), period, Granularity.MONTH)

    # Then there are five buckets, August being empty, May's being May's totals
    assert [b.starts_at for b in buckets] == [at(m, 1, 0) for m in (4, 5, 6, 7, 8)]
    assert [b.ends_at for b in buckets] == [at(m, 1, 0) for m in (5, 6, 7, 8, 9)]
    assert [b.flow.net for b in buckets] == [500, 105, 1000, -30, 0]
    assert buckets[-1].flow == FlowTotals()
    assert buckets[1].flow == (await report_totals(UnitOfWork(clean_db), MAY)).flow
    # And the buckets add up to the period's totals
    whole = (await report_totals(UnitOfWork(clean_db), period)).flow
    assert sum(b.flow.operations for b in buckets) == whole.operations
    assert sum(b.flow.spent for b in buckets) == whole.spent


async def test_buckets_are_cut_at_local_midnight_of_the_time_zone_asked(
    clean_db: AsyncEngine,
) -> None:
    # Given a purchase late on April 30 UTC, which is already May 1 in Paris (UTC+2)
    ann = await new_customer(clean_db, "ann")
    await write_entries(clean_db, ann, [Row("PURCHASE", 70, at(4, 30, 22, 30))])
    period = Period(at(4, 29, 0), at(5, 2, 0))

    utc = await points_flow(UnitOfWork(clean_db), period, Granularity.DAY)
    paris = await points_flow(UnitOfWork(clean_db), period, Granularity.DAY, "Europe/Paris")

    # Then in UTC it is April 30's, in Paris May 1's, whose day starts at 22:00 UTC
    assert [(b.starts_at, b.flow.earned) for b in utc] == [
        (at(4, 29, 0), 0),
        (at(4, 30, 0), 70),
        (at(5, 1, 0), 0),
    ]
    # (the period, 00:00 UTC to 00:00 UTC, is 02:00 to 02:00 in Paris: four local days)
    assert [(b.starts_at, b.flow.earned) for b in paris] == [
        (at(4, 28, 22), 0),
        (at(4, 29, 22), 0),
        (at(4, 30, 22), 70),
        (at(5, 1, 22), 0),
    ]


async def test_weeks_start_on_monday(clean_db: AsyncEngine) -> None:
    ann = await new_customer(clean_db, "ann")
    # 2026-05-03 is a Sunday, 2026-05-04 a Monday
    await write_entries(
        clean_db, ann, [Row("PURCHASE", 1, at(5, 3, 23)), Row("PURCHASE", 2, at(5, 4, 0))]
    )
    buckets = await points_flow(
        UnitOfWork(clean_db), Period(at(5, 1, 0), at(5, 11, 0)), Granularity.WEEK
    )
    assert [(b.starts_at, b.flow.earned) for b in buckets] == [
        (at(4, 27, 0), 1),
        (at(5, 4, 0), 2),
    ]


@pytest.mark.parametrize(
    ("period", "granularity", "zone", "field", "code"),
    [
        (Period(at(5, 2), at(5, 1)), Granularity.DAY, None, "until", ErrorCode.INVALID),
        (Period(None, at(5, 1)), Granularity.DAY, None, "since", ErrorCode.REQUIRED),
        (
            Period(at(5, 1), at(5, 2)),
            Granularity.DAY,
            "Mars/Olympus",
            "timeZone",
            ErrorCode.INVALID,
        ),
        (
            Period(datetime(2020, 1, 1, tzinfo=UTC), at(5, 1)),
            Granularity.DAY,
            None,
            "until",
            ErrorCode.OUT_OF_RANGE,
        ),
    ],
)
async def test_a_bad_flow_request_names_its_argument(
    clean_db: AsyncEngine,
    period: Period,
    granularity: Granularity,
    zone: str | None,
    field: str,
    code: ErrorCode,
) -> None:
    with pytest.raises(DomainError) as refused:
        await points_flow(UnitOfWork(clean_db), period, granularity, zone)
    assert [(p.field, p.code) for p in refused.value.problems] == [(field, code)]


async def test_totals_of_a_period_ending_before_it_starts_are_refused(
    clean_db: AsyncEngine,
) -> None:
    with pytest.raises(DomainError) as refused:
        await report_totals(UnitOfWork(clean_db), Period(at(6, 1), at(5, 1)))
    assert refused.value.problems[0].field == "until"
