"""Given funnels whose entry, branches and exit read segment filters (funnels.segments, as
the running server wires them), when the engine runs them, then a campaign enters only the
customers its filter selects, a branch sends each customer down the path its filter says,
a customer who comes to match the exit filter leaves before the next step, and a filter on
the engine's own tables (inFunnel) reads the enrollments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.engine.running import one_pass
from funnels.engine.versions import VersionCache
from tessera.funnel_engine import audience, narrow
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.engine.support import RUNTIME, Clock, active_funnel, advance, positions
from tests.support.builtins import customer, purchase


def campaign(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Big spenders",
        "entry": {"trigger": {"campaign": {}}, "filter": {"consent": {"sms": True}}},
        "start": "rich",
        "steps": [
            {"id": "rich", "type": "branch", "filter": {"balance": {"gte": 100}},
             "yes": "thanks", "no": "wait"},
            {"id": "thanks", "type": "exit", "reason": "rich"},
            {"id": "wait", "type": "wait", "duration": "P1D", "next": "poor"},
            {"id": "poor", "type": "exit", "reason": "poor"},
        ],
        **changes,
    }  # fmt: skip


async def run_pass(engine: AsyncEngine, clock: Clock) -> None:
    sent: list[int] = []
    await one_pass(engine, VersionCache(CHECK_FILTER), RUNTIME, audience, sent.extend, clock)


async def reasons(engine: AsyncEngine) -> dict[int, str | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT customer_id, exit_reason FROM funnel_enrollments"))
        return {r.customer_id: r.exit_reason for r in rows}


async def test_a_campaign_enters_its_segment_and_branches_on_a_filter(
    clean_db: AsyncEngine,
) -> None:
    funnel = await active_funnel(clean_db, campaign(), "campaign")
    rich = await customer(clean_db, "rich", consent_sms=True)
    poor = await customer(clean_db, "poor", consent_sms=True)
    await customer(clean_db, "silent", consent_sms=False)
    await purchase(clean_db, rich, "o-1", 20000)  # 200 points
    clock = Clock()

    await run_pass(clean_db, clock)
    await run_pass(clean_db, clock)  # the campaign enters once

    assert await positions(clean_db, funnel) == {
        rich: ("EXITED", None),
        poor: ("ACTIVE", "wait"),
    }
    clock.move(timedelta(days=1, seconds=1))
    await run_pass(clean_db, clock)
    assert await reasons(clean_db) == {rich: "rich", poor: "poor"}


def leaving_when_rich() -> dict[str, Any]:
    """The campaign from its wait on, for everyone, left as soon as the balance reaches 100."""
    raw = campaign(exit={"filter": {"balance": {"gte": 100}}})
    raw["entry"].pop("filter")
    raw["start"] = "wait"
    raw["steps"] = raw["steps"][2:]
    return raw


async def test_a_customer_matching_the_exit_filter_leaves_before_the_next_step(
    clean_db: AsyncEngine,
) -> None:
    funnel = await active_funnel(clean_db, leaving_when_rich(), "exit filter")
    ann, bob = await customer(clean_db, "ann"), await customer(clean_db, "bob")
    clock = Clock()
    await run_pass(clean_db, clock)  # both enter and start waiting
    await purchase(clean_db, ann, "o-1", 15000)

    clock.move(timedelta(days=1, seconds=1))
    await advance(clean_db, clock)

    assert await positions(clean_db, funnel) == {ann: ("EXITED", None), bob: ("EXITED", None)}
    assert await reasons(clean_db) == {ann: "EXIT_CONDITION", bob: "poor"}


async def test_in_funnel_reads_the_engines_enrollments(clean_db: AsyncEngine) -> None:
    raw = campaign()
    raw["entry"].pop("filter")
    await active_funnel(clean_db, raw, "inside")
    ann = await customer(clean_db, "ann")
    await run_pass(clean_db, Clock())  # ann waits at "wait" (balance 0)

    async with UnitOfWork(clean_db) as uow:
        inside = await narrow(uow, {"inFunnel": "Big spenders"}, [ann], Clock()())
        outside = await narrow(uow, {"not": {"inFunnel": "Big spenders"}}, [ann], Clock()())

    assert (inside, outside) == ([ann], [])


async def test_a_waiting_customer_leaves_as_soon_as_the_exit_filter_matches(
    clean_db: AsyncEngine,
) -> None:
    funnel = await active_funnel(clean_db, leaving_when_rich(), "exit while waiting")
    ann, bob = await customer(clean_db, "ann"), await customer(clean_db, "bob")
    clock = Clock()
    await run_pass(clean_db, clock)  # both enter and wait a day
    await purchase(clean_db, ann, "o-1", 15000)

    await run_pass(clean_db, clock)  # an hour later, say: the wait is not over

    assert await positions(clean_db, funnel) == {ann: ("EXITED", None), bob: ("ACTIVE", "wait")}
    assert (await reasons(clean_db))[ann] == "EXIT_CONDITION"
