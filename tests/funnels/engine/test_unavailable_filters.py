"""Given funnels whose filters name a saved segment that is gone (deleted behind the
API's check, as before it existed), when the engine and the event dispatcher meet those
filters, then only the enrollments that need them fail (FAILED, FILTER_UNAVAILABLE with the
compiler's problem) or nobody enters through them, and every other funnel goes on: one
broken filter never rolls back a whole batch, pass or dispatch again and again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.engine.running import one_pass
from funnels.engine.versions import VersionCache
from funnels.segments import save_segment
from tessera.funnel_engine import audience
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.engine.support import RUNTIME, Clock, active_funnel, advance, customers
from tests.funnels.engine.test_events import dispatch
from tests.support.builtins import customer

GIFT = {
    "name": "Plain gift",
    "entry": {"trigger": {"campaign": {}}},
    "start": "gift",
    "steps": [{"id": "gift", "type": "addPoints", "points": 100}],
}


def vip(trigger: dict[str, Any], **parts: Any) -> dict[str, Any]:
    return {
        "name": f"VIP {trigger}",
        "entry": {"trigger": trigger},
        "start": "vip",
        "steps": [
            {"id": "vip", "type": "branch", "filter": {"segment": "vip"}, "yes": "a", "no": "b"},
            {"id": "a", "type": "exit", "reason": "vip"},
            {"id": "b", "type": "exit", "reason": "not vip"},
        ],
        **parts,
    }


async def _segment_gone(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM segments WHERE name = 'vip'"))


async def _enter(engine: AsyncEngine, funnel: int, start: str, ids: list[int]) -> None:
    async with UnitOfWork(engine) as uow:
        await enter_ids(uow, Door(funnel, 1, start, EntryRule(Reentry.ONCE)), ids, Clock()())
        await uow.commit()


async def _ends(engine: AsyncEngine) -> dict[tuple[int, str], int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT funnel_id, status || ':' || coalesce(exit_reason, '') AS how, count(*) AS n"
            " FROM funnel_enrollments GROUP BY 1, 2"))  # fmt: skip
        return {(r.funnel_id, r.how): r.n for r in rows}


async def test_a_branch_or_exit_filter_that_cannot_compile_fails_only_its_enrollments(
    clean_db: AsyncEngine,
) -> None:
    await save_segment(UnitOfWork(clean_db), "vip", None, {"balance": {"gte": 500}}, "ann")
    branching = await active_funnel(clean_db, vip({"campaign": {"at": "2099-01-01T00:00:00Z"}}),
                                    "branching")  # fmt: skip
    exiting = {**GIFT, "name": "Exit on VIP", "exit": {"filter": {"segment": "vip"}}}
    leaving = await active_funnel(clean_db, exiting, "leaving")
    gift = await active_funnel(clean_db, GIFT, "gift")
    ids = await customers(clean_db, 3)
    for funnel, start in ((branching, "vip"), (leaving, "gift"), (gift, "gift")):
        await _enter(clean_db, funnel, start, ids)
    await _segment_gone(clean_db)

    # When the engine advances (one batch holds every funnel's enrollments)
    await advance(clean_db, Clock())

    # Then the branch's and the exit filter's enrollments fail, the plain gift is given
    assert await _ends(clean_db) == {
        (branching, "FAILED:FILTER_UNAVAILABLE"): 3,
        (leaving, "FAILED:FILTER_UNAVAILABLE"): 3,
        (gift, "COMPLETED:"): 3,
    }
    async with clean_db.connect() as conn:
        detail = (await conn.execute(text(
            "SELECT detail FROM funnel_step_runs WHERE funnel_id = :f LIMIT 1"), {"f": branching}
        )).scalar_one()  # fmt: skip
    assert detail["problems"][0]["code"] == "NOT_FOUND"


async def test_an_entry_filter_that_cannot_compile_enters_nobody_and_stops_nothing(
    clean_db: AsyncEngine,
) -> None:
    await save_segment(UnitOfWork(clean_db), "vip", None, {"balance": {"gte": 0}}, "ann")
    entry = {"filter": {"segment": "vip"}, "reentry": "ONCE"}
    on_campaign = await active_funnel(clean_db, {**vip({"campaign": {}}), "entry": {
        "trigger": {"campaign": {}}, **entry}}, "campaign")  # fmt: skip
    registered = {"event": "CUSTOMER_REGISTERED"}
    on_event = await active_funnel(clean_db, {**vip(registered), "entry": {
        "trigger": registered, **entry}}, "event")  # fmt: skip
    plain = await active_funnel(clean_db, {**GIFT, "name": "Welcome",
                                           "entry": {"trigger": registered}}, "plain")  # fmt: skip
    await _segment_gone(clean_db)
    clock = Clock()

    # When a customer registers and the dispatcher and a pass of the engine run
    await customer(clean_db, "ann")
    await dispatch(clean_db, clock)
    await one_pass(clean_db, VersionCache(CHECK_FILTER), RUNTIME, audience, lambda ids: None,
                   clock)  # fmt: skip

    # Then the other funnel entered and ran; the broken entries entered nobody
    ends = await _ends(clean_db)
    assert ends == {(plain, "COMPLETED:"): 1}
    assert not {on_campaign, on_event} & {f for f, _ in ends}
