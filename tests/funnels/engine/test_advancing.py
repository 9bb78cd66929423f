"""Given active funnels of routing steps (waits, random splits, goals, exits) and customers
entered into them, when the engine advances on a clock the test moves, then each enrollment
walks its graph one step run at a time, waits until its stored time, and ends where the
graph ends; paused funnels stand still and two engines at once run each step once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.definitions.services import change_status
from funnels.definitions.statuses import Transition
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.engine.steps.flow import split_bucket
from tessera.funnel_filters import CHECK_FILTER as check_filter
from tests.funnels.engine.support import (
    START,
    Clock,
    active_funnel,
    advance,
    customers,
    positions,
    runs,
)


async def enrollment_ids_of(engine: AsyncEngine, funnel: int) -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT id FROM funnel_enrollments WHERE funnel_id = :f ORDER BY id"),
            {"f": funnel},
        )
        return [r.id for r in rows]


def routing(**entry: Any) -> dict[str, Any]:
    return {
        "name": "Routing",
        "entry": {"trigger": {"campaign": {}}, **entry},
        "start": "wait_day",
        "steps": [
            {"id": "wait_day", "type": "wait", "duration": "P1D", "next": "split"},
            {
                "id": "split",
                "type": "randomSplit",
                "paths": [
                    {"percent": 50, "next": "goal"},
                    {"percent": 50, "next": "leave", "holdout": True},
                ],
            },
            {"id": "goal", "type": "goal", "name": "bought", "withinDays": 7},
            {"id": "leave", "type": "exit", "reason": "holdout"},
        ],
    }


async def enter(engine: AsyncEngine, funnel_id: int, ids: list[int], clock: Clock,
                rule: EntryRule | None = None) -> int:  # fmt: skip
    door = Door(funnel_id, 1, "wait_day", rule or EntryRule(Reentry.ONCE))
    async with UnitOfWork(engine) as uow:
        entered = await enter_ids(uow, door, ids, clock())
        await uow.commit()
    return entered


async def test_an_enrollment_waits_its_day_then_splits_and_ends(clean_db: AsyncEngine) -> None:
    funnel = await active_funnel(clean_db, routing(), "routing")
    ids = await customers(clean_db, 6)
    clock = Clock()
    entered = await enter(clean_db, funnel, ids, clock)
    assert entered == 6

    # Arriving at the wait: nothing ran yet, each waits until a day later.
    await advance(clean_db, clock)
    assert set((await positions(clean_db, funnel)).values()) == {("ACTIVE", "wait_day")}
    assert await runs(clean_db, funnel) == []

    # Half a day later nothing is due.
    clock.move(timedelta(hours=12))
    assert (await advance(clean_db, clock)).taken == 0

    # A day later: the wait ran, the split sent each down its path, and each ended there.
    clock.move(timedelta(hours=12))
    await advance(clean_db, clock)
    final = await positions(clean_db, funnel)
    expected = {}
    enrollment_ids = await enrollment_ids_of(clean_db, funnel)
    for enrollment_id, customer_id in zip(enrollment_ids, ids, strict=True):
        goes_to_goal = split_bucket(enrollment_id, "split") < 50
        expected[customer_id] = ("COMPLETED", None) if goes_to_goal else ("EXITED", None)
    assert final == expected
    walked = await runs(clean_db, funnel)
    for enrollment_id in enrollment_ids:
        steps = [(seq, step) for e, seq, step, _ in walked if e == enrollment_id]
        last = "goal" if split_bucket(enrollment_id, "split") < 50 else "leave"
        assert steps == [(0, "wait_day"), (1, "split"), (2, last)]


async def test_re_entry_rules(clean_db: AsyncEngine) -> None:
    clock = Clock()
    (customer,) = await customers(clean_db, 1)
    once = await active_funnel(clean_db, {**routing(), "name": "Once"}, "once")
    assert (await enter(clean_db, once, [customer, customer], clock)) == 1
    assert await enter(clean_db, once, [customer], clock) == 0

    inside = await active_funnel(clean_db, {**routing(), "name": "Inside"}, "inside")
    rule = EntryRule(Reentry.WHEN_NOT_INSIDE)
    assert (await enter(clean_db, inside, [customer], clock, rule)) == 1
    assert await enter(clean_db, inside, [customer], clock, rule) == 0  # still inside
    clock.move(timedelta(days=1, seconds=1))
    await advance(clean_db, clock)
    clock.move(timedelta(days=1, seconds=1))
    await advance(clean_db, clock)  # ended
    assert (await enter(clean_db, inside, [customer], clock, rule)) == 1

    period = await active_funnel(clean_db, {**routing(), "name": "Period"}, "period")
    monthly = EntryRule(Reentry.ONCE_PER_PERIOD, timedelta(days=30))
    assert (await enter(clean_db, period, [customer], clock, monthly)) == 1
    for _ in range(2):
        clock.move(timedelta(days=1, seconds=1))
        await advance(clean_db, clock)
    assert await enter(clean_db, period, [customer], clock, monthly) == 0  # within 30 days
    clock.move(timedelta(days=30))
    assert (await enter(clean_db, period, [customer], clock, monthly)) == 1


async def test_a_paused_funnel_stands_still_and_resumes_where_it_stood(
    clean_db: AsyncEngine,
) -> None:
    funnel = await active_funnel(clean_db, routing(), "paused")
    ids = await customers(clean_db, 3)
    clock = Clock()
    await enter(clean_db, funnel, ids, clock)
    await change_status(UnitOfWork(clean_db), str(funnel), Transition.PAUSE, check_filter, "m")

    clock.move(timedelta(days=3))
    assert (await advance(clean_db, clock)).taken == 0
    assert set((await positions(clean_db, funnel)).values()) == {("ACTIVE", "wait_day")}

    await change_status(UnitOfWork(clean_db), str(funnel), Transition.RESUME, check_filter, "m")
    await advance(clean_db, clock)  # arrives at the wait: due a day after now
    clock.move(timedelta(days=1))
    await advance(clean_db, clock)
    assert {s for s, _ in (await positions(clean_db, funnel)).values()} <= {"COMPLETED", "EXITED"}


@pytest.mark.parametrize("engines", [4])
async def test_engines_racing_run_each_step_once(clean_db: AsyncEngine, engines: int) -> None:
    funnel = await active_funnel(clean_db, routing(), "race")
    ids = await customers(clean_db, 40)
    clock = Clock()
    await enter(clean_db, funnel, ids, clock)
    await asyncio.gather(*(advance(clean_db, clock, limit=7) for _ in range(engines)))
    clock.move(timedelta(days=1))
    await asyncio.gather(*(advance(clean_db, clock, limit=7) for _ in range(engines)))

    walked = await runs(clean_db, funnel)
    assert len(walked) == 40 * 3
    assert len({(e, seq) for e, seq, _, _ in walked}) == len(walked)
    assert {s for s, _ in (await positions(clean_db, funnel)).values()} <= {"COMPLETED", "EXITED"}
    assert clock() > START
