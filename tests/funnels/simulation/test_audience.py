"""Given saved funnels with different triggers and customers who entered them before, when
they are dry-run, then the audience is the trigger's (a campaign's list or filter, a
schedule's filter, whoever an event could enter), the re-entry rule keeps out those who
entered before, the version asked for is the one run, and what a saved version names that
is gone since fails as the engine would fail it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError
from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.definitions.services import save_funnel
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.segments import save_segment
from funnels.simulation import AudienceBasis
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import START, active_funnel
from tests.funnels.segments.people import execute
from tests.funnels.simulation.support import by_step, campaign, shopper, simulate

POINTS = [{"id": "points", "type": "addPoints", "points": 10}]


async def entered_before(engine: AsyncEngine, funnel: int, ids: list[int]) -> None:
    async with UnitOfWork(engine) as uow:
        await enter_ids(uow, Door(funnel, 1, "points", EntryRule(Reentry.ONCE)), ids, START)
        await uow.commit()


async def test_the_trigger_decides_the_audience(clean_db: AsyncEngine) -> None:
    rich = await shopper(clean_db, balance=900)
    poor = await shopper(clean_db, balance=10)
    await shopper(clean_db, balance=800)
    filtered = {"filter": {"balance": {"gte": 500}}}
    cases: list[tuple[dict[str, Any], AudienceBasis, int]] = [
        ({"trigger": {"campaign": {}}}, AudienceBasis.SEGMENT, 3),
        ({"trigger": {"campaign": {}}, **filtered}, AudienceBasis.SEGMENT, 2),
        ({"trigger": {"campaign": {"customers": [str(rich), str(poor)]}}, **filtered},
         AudienceBasis.CUSTOMER_LIST, 1),
        ({"trigger": {"schedule": {"cron": "0 9 * * *", "timeZone": "Europe/Rome"}},
          **filtered}, AudienceBasis.SCHEDULE_FILTER, 2),
        ({"trigger": {"event": "PURCHASE_RECORDED"}}, AudienceBasis.EVENT_ELIGIBLE, 3),
    ]  # fmt: skip
    for entry, basis, entered in cases:
        simulation = await simulate(clean_db, definition=campaign("points", POINTS, **entry))
        assert (simulation.basis, simulation.audience, simulation.entered) == (
            basis, entered, entered)  # fmt: skip


async def test_the_reentry_rule_keeps_out_those_who_entered(clean_db: AsyncEngine) -> None:
    ids = [await shopper(clean_db) for _ in range(3)]
    once = await active_funnel(clean_db, campaign("points", POINTS), "once")
    again = campaign("points", POINTS, reentry="WHEN_NOT_INSIDE")
    again["name"] = "Again"
    when_out = await active_funnel(clean_db, again, "when out")
    await entered_before(clean_db, once, ids[:2])
    await entered_before(clean_db, when_out, ids[:2])
    await execute(clean_db, "UPDATE funnel_enrollments SET status = 'COMPLETED', "
                  "step_id = NULL, due_at = NULL WHERE customer_id = :c", c=ids[0])  # fmt: skip

    for funnel, entered in ((once, 1), (when_out, 2)):
        simulation = await simulate(clean_db, funnel_id=funnel)
        assert (simulation.audience, simulation.entered, simulation.not_entered) == (
            3, entered, 3 - entered)  # fmt: skip
        assert (simulation.funnel_id, simulation.version) == (funnel, 1)


async def test_the_version_asked_for_runs_and_gone_references_fail(clean_db: AsyncEngine) -> None:
    await seed_references(clean_db)
    await shopper(clean_db)
    tier = {"id": "tier", "type": "setCategory", "category": "Premium", "next": "points"}
    definition = campaign("tier", [tier, *POINTS])
    funnel = await active_funnel(clean_db, definition, "v1")
    definition["steps"][1]["points"] = 20
    await save_funnel(UnitOfWork(clean_db), definition, CHECK_FILTER, idempotency_key="v2",
                      actor="test", funnel_id=str(funnel))  # fmt: skip

    current = await simulate(clean_db, funnel_id=funnel)
    first = await simulate(clean_db, funnel_id=funnel, version=1)

    assert (current.version, current.totals.points.added) == (2, 20)
    assert (first.version, first.totals.points.added) == (1, 10)
    await execute(clean_db, "UPDATE point_categories SET name = 'Gold' WHERE name = 'Premium'")
    gone = await simulate(clean_db, funnel_id=funnel)
    assert by_step(gone)["tier"].failures == {"CATEGORY_UNAVAILABLE": 1}


async def test_a_saved_segment_deleted_since_is_named_at_its_place(clean_db: AsyncEngine) -> None:
    await shopper(clean_db)
    await save_segment(UnitOfWork(clean_db), "big", None, {"balance": {"gte": 1}}, "test")
    definition = campaign("rich", [
        {"id": "rich", "type": "branch", "filter": {"segment": "big"}, "yes": "points"},
        *POINTS,
    ])  # fmt: skip
    funnel = await active_funnel(clean_db, definition, "segment")
    # deleteSegment refuses while the funnel uses it: gone as before that check existed
    async with clean_db.begin() as conn:
        await conn.execute(text("DELETE FROM segments WHERE name = 'big'"))

    try:
        await simulate(clean_db, funnel_id=funnel)
    except DomainError as error:
        assert [(p.field, p.code.value) for p in error.problems] == [
            ("steps[0].filter.segment", "NOT_FOUND")
        ]
    else:
        raise AssertionError("a filter on a deleted segment was simulated")
