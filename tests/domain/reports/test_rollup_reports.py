"""Given random ledgers (every kind, reversals, expiry, refunds; entries not in time order),
rolled up in part, with a tail written after the job ran and entries landing in hours
already rolled up, when totals, flows and the liability history are asked for periods whose
ends fall mid-hour and in time zones of whole, half and quarter hours, then each answer is
the one a scan of every entry gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import rollups_equal_entries
from domain.ledger.rollups import roll_up_ledger, roll_up_now
from domain.reports.liability_history import liability_history
from domain.reports.periods import Granularity, Period
from domain.reports.totals import points_flow, report_totals
from domain.uow import UnitOfWork
from tests.support.reports import Row, new_customer, write_entries
from tests.support.rollups import (
    balance_by_scan,
    flow_by_scan,
    totals_by_scan,
    write_random_ledger,
)

START = datetime(2026, 3, 27, 0, tzinfo=UTC)  # four days over Europe's change to summer time
ZONES = ("UTC", "Europe/Rome", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns")


def periods(rng: random.Random) -> list[Period]:
    def mid_hour(hours: int) -> datetime:
        return START + timedelta(hours=hours, microseconds=rng.randrange(3_600_000_000))

    inside = START + timedelta(hours=10, minutes=rng.randrange(50))
    return [
        Period(),
        Period(START + timedelta(hours=5), START + timedelta(hours=50)),  # whole hours
        Period(mid_hour(3), mid_hour(70)),  # both ends mid-hour
        Period(inside, inside + timedelta(minutes=7)),  # inside one hour
        Period(mid_hour(20), None),
        Period(None, mid_hour(40)),
        Period(START - timedelta(days=40), START + timedelta(days=40)),
    ]


async def assert_reports_equal_the_scan(engine: AsyncEngine, rng: random.Random) -> None:
    uow = UnitOfWork(engine)
    for period in periods(rng):
        totals = await report_totals(uow, period)
        assert (totals.flow, totals.balance) == await totals_by_scan(
            engine, period.since, period.until
        ), period
    for zone in ZONES:
        for granularity in Granularity:
            since = START + timedelta(minutes=rng.randrange(-600, 600), seconds=rng.random())
            until = since + timedelta(hours=rng.randrange(1, 120), minutes=rng.randrange(60))
            period = Period(since, until)
            flow = await points_flow(uow, period, granularity, zone)
            assert flow == await flow_by_scan(engine, since, until, granularity, zone), (
                zone,
                granularity,
                period,
            )
            history = await liability_history(uow, period, granularity, zone)
            assert [h.starts_at for h in history] == [b.starts_at for b in flow]
            for point in history:
                assert point.balance == await balance_by_scan(engine, point.at), point
                # the test's redemption rate: 100 points pay 1.00
                assert point.value_minor == point.balance


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_reports_from_rollups_and_the_tail_equal_a_scan(
    clean_db: AsyncEngine, seed: int
) -> None:
    rng = random.Random(seed)
    # Given a random ledger: nothing rolled up yet (all of it is the tail)
    await write_random_ledger(clean_db, rng, customers=4, entries=40, start=START)
    await assert_reports_equal_the_scan(clean_db, rng)

    # When it is rolled up, then more is written (some in hours already rolled up)
    await roll_up_now(UnitOfWork(clean_db))
    await assert_reports_equal_the_scan(clean_db, rng)
    await write_random_ledger(clean_db, rng, customers=2, entries=30, start=START)
    await assert_reports_equal_the_scan(clean_db, rng)

    # And when the job has taken its pending watermark, more is written, and the job rolls
    # up to that watermark only (in batches of 7 ids), leaving the later entries in the tail
    taken = await roll_up_ledger(UnitOfWork(clean_db), batch=7)
    assert taken.pending_to is not None and taken.rows == 0
    await write_random_ledger(clean_db, rng, customers=2, entries=20, start=START)
    run = await roll_up_ledger(UnitOfWork(clean_db), batch=7)
    assert run.rows == 60 and run.batches == 9
    assert run.pending_to is not None and run.pending_to > taken.pending_to
    await assert_reports_equal_the_scan(clean_db, rng)

    # Then the rollups agree with the entries up to the watermark
    async with clean_db.connect() as conn:
        assert await rollups_equal_entries(conn) == []


async def test_an_entry_of_the_tail_in_an_hour_the_period_cuts_counts_once(
    clean_db: AsyncEngine,
) -> None:
    # Given a rolled-up entry at 10:10, then one not rolled up yet at 10:40 (the next id)
    ann = await new_customer(clean_db, "ann")
    ten = START + timedelta(hours=10)
    await write_entries(clean_db, ann, [Row("PURCHASE", 5, ten + timedelta(minutes=10))])
    await roll_up_now(UnitOfWork(clean_db))
    await write_entries(clean_db, ann, [Row("PURCHASE", 7, ten + timedelta(minutes=40))])
    # When a period starting at 10:20 is asked (its first hour cut), or one of whole hours
    cut = await report_totals(UnitOfWork(clean_db), Period(ten + timedelta(minutes=20), None))
    whole = await report_totals(UnitOfWork(clean_db), Period(ten, ten + timedelta(hours=1)))
    # Then the later entry counts once, the earlier one where it lies
    assert (cut.flow.earned, cut.flow.operations, cut.balance) == (7, 1, 12)
    assert (whole.flow.earned, whole.flow.operations, whole.balance) == (12, 2, 12)
