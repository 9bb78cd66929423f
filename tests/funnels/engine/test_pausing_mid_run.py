"""Given an ACTIVE funnel with a backlog of due enrollments and a run of the engine that
read the ACTIVE funnels when it started, when the marketer pauses or archives the funnel
while the run's first batch is in flight, then that batch finishes and no later batch of
the run takes the funnel's enrollments (docs/funnels-running.md: "pausing a funnel stops it
after the batch in flight")."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.entry import Reentry
from funnels.definitions.services import change_status
from funnels.definitions.statuses import Transition
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.engine.running import advance_until_idle
from funnels.engine.versions import VersionCache
from tessera.funnel_filters import CHECK_FILTER as check_filter
from tests.funnels.engine.support import RUNTIME, Clock, active_funnel, customers


def gift_funnel(name: str) -> dict[str, object]:
    return {
        "name": name,
        "entry": {"trigger": {"campaign": {}}},
        "start": "gift",
        "steps": [{"id": "gift", "type": "addPoints", "points": 100}],
    }


async def _credited_after(clean_db: AsyncEngine, transition: Transition) -> int:
    """Customers credited by a run (batches of one) during whose first batch the funnel
    made `transition`."""
    funnel = await active_funnel(clean_db, gift_funnel(f"Gift {transition}"), "gift")
    ids = await customers(clean_db, 4)
    clock = Clock()
    async with UnitOfWork(clean_db) as uow:
        await enter_ids(uow, Door(funnel, 1, "gift", EntryRule(Reentry.ONCE)), ids, clock())
        await uow.commit()
    cache = VersionCache(check_filter)
    batches = [0]

    async def definitions(
        uow: UnitOfWork, keys: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], FunnelDefinition]:
        batches[0] += 1
        if batches[0] == 1:  # the marketer clicks while the first batch is in flight
            await change_status(UnitOfWork(clean_db), str(funnel), transition, check_filter, "m")
        return await cache(uow, keys)

    await advance_until_idle(clean_db, definitions, RUNTIME, lambda ids: None, clock,
                             limit=1, lanes=1)  # fmt: skip
    async with clean_db.connect() as conn:
        found = await conn.execute(
            text("SELECT count(*) FROM ledger_entries WHERE source_type = 'funnel'")
        )
        return int(found.scalar_one())


@pytest.mark.parametrize("transition", [Transition.PAUSE, Transition.ARCHIVE])
async def test_a_funnel_paused_or_archived_mid_run_stops_after_the_batch_in_flight(
    clean_db: AsyncEngine, transition: Transition
) -> None:
    # Only the batch in flight (one enrollment) runs; the other three stand where they were.
    assert await _credited_after(clean_db, transition) == 1
