"""Given active funnels started by events, when the dispatcher hands them the domain's
events, then customers enter once under the re-entry rule, a wait for a purchase moves on
when the purchase comes (or times out), an exit event takes customers out, and a purchase
converts the goal whose window it falls in, with its revenue (its funnel paused since
included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.services import change_status
from funnels.definitions.statuses import Transition
from funnels.engine.events import FunnelEvents
from funnels.engine.versions import VersionCache
from notifications.dispatch.dispatcher import dispatch_pending
from tessera.funnel_engine import narrow
from tessera.funnel_filters import CHECK_FILTER as check_filter
from tests.funnels.engine.support import Clock, active_funnel, advance, positions
from tests.support.builtins import customer, purchase


async def dispatch(engine: AsyncEngine, clock: Clock) -> None:
    reaction = FunnelEvents(VersionCache(check_filter), narrow, clock)
    while (await dispatch_pending(UnitOfWork(engine), [reaction])).events:
        pass


def on_registration(**extra: Any) -> dict[str, Any]:
    return {
        "name": "After registration",
        "entry": {"trigger": {"event": "CUSTOMER_REGISTERED"}, "reentry": "ONCE"},
        "start": "goal",
        "steps": [
            {
                "id": "goal",
                "type": "goal",
                "name": "first purchase",
                "withinDays": 7,
                "next": "wait_buy",
            },
            {
                "id": "wait_buy",
                "type": "wait",
                "untilEvent": "PURCHASE_RECORDED",
                "timeout": "P3D",
                "next": "thanks",
                "timeoutNext": "nudge",
            },
            {"id": "thanks", "type": "exit", "reason": "bought"},
            {"id": "nudge", "type": "exit", "reason": "no purchase"},
        ],
        **extra,
    }


async def test_a_registration_enters_once_and_a_purchase_ends_the_wait(
    clean_db: AsyncEngine,
) -> None:
    funnel = await active_funnel(clean_db, on_registration(), "registration")
    clock = Clock(datetime.now(UTC))
    ann, bob = await customer(clean_db, "ann"), await customer(clean_db, "bob")
    await dispatch(clean_db, clock)
    await dispatch(clean_db, clock)  # nothing pending: nobody enters twice
    await advance(clean_db, clock)  # the goal opens, both arrive at the wait
    assert set((await positions(clean_db, funnel)).values()) == {("ACTIVE", "wait_buy")}

    await purchase(clean_db, ann, "order-1", 4250)
    await dispatch(clean_db, clock)
    await advance(clean_db, clock)
    assert (await positions(clean_db, funnel))[ann] == ("EXITED", None)

    clock.move(timedelta(days=3, seconds=1))
    await advance(clean_db, clock)
    assert (await positions(clean_db, funnel))[bob] == ("EXITED", None)
    async with clean_db.connect() as conn:
        reasons: dict[int, str] = dict((await conn.execute(text(
            "SELECT customer_id, exit_reason FROM funnel_enrollments"))).all())  # fmt: skip
        goals = (await conn.execute(text(
            "SELECT customer_id, revenue_minor FROM funnel_goals WHERE converted_at IS NOT NULL"
        ))).all()  # fmt: skip
        outcomes = (await conn.execute(text(
            "SELECT e.customer_id, r.outcome FROM funnel_step_runs r "
            "JOIN funnel_enrollments e ON e.id = r.enrollment_id WHERE r.step_id = 'wait_buy'"
        ))).all()  # fmt: skip
    assert reasons == {ann: "bought", bob: "no purchase"}
    assert goals == [(ann, 4250)]
    assert sorted(outcomes) == sorted([(ann, "EVENT"), (bob, "TIMED_OUT")])


async def test_an_exit_event_takes_the_customer_out(clean_db: AsyncEngine) -> None:
    raw = on_registration(exit={"events": ["PURCHASE_RECORDED"]})
    raw["steps"][1] = {"id": "wait_buy", "type": "wait", "duration": "P30D", "next": "thanks"}
    del raw["steps"][3]  # no timeout, no nudge
    funnel = await active_funnel(clean_db, raw, "exit")
    clock = Clock(datetime.now(UTC))
    ann = await customer(clean_db, "ann")
    await dispatch(clean_db, clock)
    await advance(clean_db, clock)

    await purchase(clean_db, ann, "order-1", 1000)
    await dispatch(clean_db, clock)

    assert (await positions(clean_db, funnel))[ann] == ("EXITED", None)
    async with clean_db.connect() as conn:
        reason = (await conn.execute(text("SELECT exit_reason FROM funnel_enrollments"))).scalar()
    assert reason == "EVENT:PURCHASE_RECORDED"


async def test_a_purchase_converts_the_open_goal_of_a_funnel_paused_since(
    clean_db: AsyncEngine,
) -> None:
    # Given a customer whose goal window opened, and the funnel (the only one) then paused
    raw = on_registration()
    raw["steps"][1] = {"id": "wait_buy", "type": "wait", "duration": "P30D", "next": "thanks"}
    del raw["steps"][3]
    funnel = await active_funnel(clean_db, raw, "paused-goal")
    clock = Clock(datetime.now(UTC))
    ann = await customer(clean_db, "ann")
    await dispatch(clean_db, clock)
    await advance(clean_db, clock)  # the window opens; the customer waits
    await change_status(UnitOfWork(clean_db), str(funnel), Transition.PAUSE, check_filter, "m")

    # When the customer buys inside the window, with no funnel ACTIVE
    await purchase(clean_db, ann, "order-1", 4250)
    await dispatch(clean_db, clock)

    # Then the goal converts, with the purchase's total
    async with clean_db.connect() as conn:
        found = await conn.execute(text("SELECT revenue_minor FROM funnel_goals "
                                        "WHERE converted_at IS NOT NULL"))  # fmt: skip
        assert [r.revenue_minor for r in found] == [4250]
