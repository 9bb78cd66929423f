"""Given a funnel entered on a schedule whose cron was saved before check_cron refused it
(croniter's `R`, which draws another hour at each evaluation), when the engine passes, then
nobody enters through it, the customers already inside go on to the end, and a warning
says why: the version stays readable, only its schedule never fires."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from funnels.engine.running import one_pass
from funnels.engine.versions import VersionCache
from tessera.funnel_engine import audience
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.engine.support import RUNTIME, Clock, active_funnel, customers, positions

DAILY = {
    "name": "Daily thanks",
    "entry": {
        "trigger": {"schedule": {"cron": "0 9 * * *", "timeZone": "UTC"}},
        "reentry": "WHEN_NOT_INSIDE",
    },
    "start": "wait",
    "steps": [
        {"id": "wait", "type": "wait", "duration": "P1D", "next": "thanks"},
        {"id": "thanks", "type": "addPoints", "points": 10},
    ],
}


async def _pass(engine: AsyncEngine, clock: Clock) -> None:
    # A new cache each time, as a worker process started after the change would have
    await one_pass(engine, VersionCache(CHECK_FILTER), RUNTIME, audience, lambda ids: None,
                   clock)  # fmt: skip


async def test_a_schedule_refused_since_it_was_saved_enters_nobody_and_those_inside_go_on(
    clean_db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a daily funnel that entered two customers at 9:00, now waiting a day
    funnel = await active_funnel(clean_db, DAILY, "daily")
    ann, bob = await customers(clean_db, 2)
    clock = Clock()
    clock.move(timedelta(hours=1, minutes=5))
    await _pass(clean_db, clock)
    assert await positions(clean_db, funnel) == {ann: ("ACTIVE", "wait"), bob: ("ACTIVE", "wait")}
    # And its saved cron made croniter's `R` (as if saved before check_cron refused it)
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "UPDATE funnel_versions SET definition = jsonb_set(definition, "
                "'{entry,trigger,schedule,cron}', '\"0 R * * *\"') WHERE funnel_id = :f"
            ),
            {"f": funnel},
        )
    (chloe,) = await customers(clean_db, 1)
    # When the engine passes the next day at 9:05
    clock.move(timedelta(days=1))
    with caplog.at_level(logging.WARNING, logger="tessera.funnels"):
        await _pass(clean_db, clock)
    # Then the two inside went on to the end with their points (not failed), and nobody
    # entered
    assert await positions(clean_db, funnel) == {ann: ("COMPLETED", None), bob: ("COMPLETED", None)}
    async with clean_db.connect() as conn:
        found = await conn.execute(text("SELECT customer_id, balance FROM point_accounts"))
        balances: dict[int, int] = {r.customer_id: r.balance for r in found}
        ticks = (
            await conn.execute(
                text("SELECT count(*) FROM funnel_entry_ticks WHERE funnel_id = :f"), {"f": funnel}
            )
        ).scalar_one()
    assert balances == {ann: 10, bob: 10, chloe: 0}
    assert ticks == 1
    # And a warning named the funnel and what is wrong with its cron
    warned = [r.getMessage() for r in caplog.records if "never fires" in r.getMessage()]
    assert warned and f"funnel {funnel} v1" in warned[0] and "'R' (random)" in warned[0]
