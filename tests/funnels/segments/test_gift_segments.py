"""Saved segments in gift schedules: a gift goes only to the segment's members, a schedule
cannot name a segment that does not exist, and a segment in use cannot be deleted."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError, ErrorCode
from domain.gifts.models import GiftFilter, GiftScheduleSpec
from domain.gifts.runs import run_gift_schedules
from domain.gifts.services import create_gift_schedule, update_gift_schedule
from domain.uow import UnitOfWork
from funnels.segments import delete_segment, save_segment
from funnels.segments.catalog import SavedSegments
from tests.domain.gifts.test_runs import MONTHLY, customer, periods_after
from tests.support.ledger import assert_ledger_sound

SPEC = GiftScheduleSpec("Monthly thanks", MONTHLY, 50, "Thank you for being with us")


async def test_a_gift_goes_to_the_members_of_its_saved_segment(clean_db: AsyncEngine) -> None:
    # Given Ann (600 points, bought nothing) and Bob (100 points), and a saved segment of
    # customers with at least 500 points
    ann, bob = await customer(clean_db, 600), await customer(clean_db, 100)
    uow = UnitOfWork(clean_db)
    await save_segment(uow, "rich", None, {"balance": {"gte": 500}}, "marketer")
    # When a monthly gift to that segment is paid
    spec = replace(SPEC, filter=GiftFilter(segment="rich"))
    made = (await create_gift_schedule(uow, spec, "gift-rich", SavedSegments())).item
    (period,) = periods_after(made, 1)
    paid = await run_gift_schedules(uow, period, SavedSegments())
    # Then only Ann got it
    assert [p.run.customers_credited for p in paid] == [1]
    async with uow:
        balances = await uow.execute(
            text("SELECT customer_id, balance FROM point_accounts ORDER BY customer_id")
        )
        assert [tuple(r) for r in balances] == [(ann, 650), (bob, 100)]
    await assert_ledger_sound(clean_db)
    # And the segment cannot be deleted while the schedule names it
    with pytest.raises(DomainError) as used:
        await delete_segment(uow, "rich")
    assert used.value.problems[0].code is ErrorCode.SEGMENT_IN_USE
    assert "gift schedule Monthly thanks" in used.value.problems[0].message


async def test_a_schedule_cannot_name_a_missing_segment(clean_db: AsyncEngine) -> None:
    uow = UnitOfWork(clean_db)
    spec = replace(SPEC, filter=GiftFilter(segment="ghost"))
    for catalog in (SavedSegments(), None):
        with pytest.raises(DomainError) as missing:
            await create_gift_schedule(uow, spec, "gift-ghost", catalog)
        problem = missing.value.problems[0]
        assert (problem.field, problem.code) == ("filter.segment", ErrorCode.NOT_FOUND)
    made = (await create_gift_schedule(uow, SPEC, "gift-plain", SavedSegments())).item
    with pytest.raises(DomainError):
        await update_gift_schedule(
            uow, str(made.id), {"filter": GiftFilter(segment="ghost")}, SavedSegments()
        )


async def test_a_run_without_segments_skips_the_schedule_that_needs_them(
    clean_db: AsyncEngine,
) -> None:
    # Given two schedules, one naming a segment
    await customer(clean_db, 600)
    uow = UnitOfWork(clean_db)
    await save_segment(uow, "rich", None, {"balance": {"gte": 500}}, "marketer")
    segmented = replace(SPEC, name="Segmented", filter=GiftFilter(segment="rich"))
    made = (await create_gift_schedule(uow, segmented, "a", SavedSegments())).item
    await create_gift_schedule(uow, replace(SPEC, name="Everyone"), "b")
    (period,) = periods_after(made, 1)
    # When a run cannot read saved segments, the plain schedule is paid, the other waits
    paid = await run_gift_schedules(uow, period)
    assert [p.name for p in paid] == ["Everyone"]
    # And a later run that can read them pays it
    again = await run_gift_schedules(uow, period, SavedSegments())
    assert [p.name for p in again] == ["Segmented"]
