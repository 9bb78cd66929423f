"""Given a campaign whose entry left more due enrollments than HELP_ROUNDS rounds of batches,
when the engine advances, then it first asks for helpers (other processes advancing until
none is due), and with a helper beside it every step still runs once per customer; with
fewer due, it asks for none; a helper finding every helper's slot taken leaves at once; and
a large entry refreshes the enrollments' statistics."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork, read
from funnels.definitions.entry import Reentry
from funnels.definitions.queries import get_funnel
from funnels.engine.advancing import Advanced
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.engine.running import (
    HELP_ROUNDS,
    HELPER_SLOTS,
    LANES,
    advance_helped,
    advance_until_idle,
    help_while_due,
)
from funnels.engine.ticks import ANALYZE_AFTER, enter_due_ticks
from funnels.engine.versions import VersionCache
from tessera.database import create_engine
from tessera.funnel_engine import audience
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.engine.support import RUNTIME, Clock, active_funnel, customers, positions

# One enrollment a batch: a backlog is HELP_ROUNDS rounds of LANES batches of one.
LIMIT = 1
BACKLOG = HELP_ROUNDS * LANES * LIMIT

CAMPAIGN = {
    "name": "Helped campaign",
    "entry": {"trigger": {"campaign": {}}},
    "start": "mark",
    "steps": [
        {"id": "mark", "type": "setAttribute", "key": "helped", "value": True, "next": "again"},
        {"id": "again", "type": "setAttribute", "key": "twice", "value": True},
    ],
}


async def entered(engine: AsyncEngine, count: int, clock: Clock) -> int:
    funnel = await active_funnel(engine, CAMPAIGN, "helped")
    ids = await customers(engine, count)
    async with UnitOfWork(engine) as uow:
        await enter_ids(uow, Door(funnel, 1, "mark", EntryRule(Reentry.ONCE)), ids, clock())
        await uow.commit()
    return funnel


class Helper:
    """A helper as the advance_funnels actor is one: another engine (its own pool, as a
    worker process has) advancing until none is due, started when the engine asks."""

    def __init__(self, url: str, clock: Clock) -> None:
        self.url, self.clock = url, clock
        self.asked = 0
        self.tasks: list[asyncio.Task[Advanced]] = []

    def __call__(self) -> None:
        self.asked += 1
        self.tasks.append(asyncio.ensure_future(self._advance()))

    async def _advance(self) -> Advanced:
        engine = create_engine(self.url, pool_size=2)
        try:
            return await advance_until_idle(engine, VersionCache(CHECK_FILTER), RUNTIME,
                                            lambda _ids: None, self.clock, LIMIT)  # fmt: skip
        finally:
            await engine.dispose()


async def test_a_backlog_asks_for_a_helper_and_each_step_runs_once(
    clean_db: AsyncEngine, database_url: str
) -> None:
    # Given a campaign that just entered a backlog's worth of customers
    clock = Clock()
    funnel = await entered(clean_db, BACKLOG + 4, clock)
    helper = Helper(database_url, clock)

    # When the engine advances, with helpers to ask for
    mine = await advance_helped(clean_db, VersionCache(CHECK_FILTER), RUNTIME,
                                lambda _ids: None, helper, clock, LIMIT)  # fmt: skip
    helped = await asyncio.gather(*helper.tasks)

    # Then it asked for helpers once, and between them every customer ran both steps once
    assert helper.asked == 1
    assert mine.ran + sum(h.ran for h in helped) == 2 * (BACKLOG + 4)
    assert set((await positions(clean_db, funnel)).values()) == {("COMPLETED", None)}
    async with clean_db.connect() as conn:
        rows = await conn.execute(
            text("SELECT enrollment_id, seq FROM funnel_step_runs WHERE funnel_id = :f"),
            {"f": funnel},
        )
        per_run = Counter((r.enrollment_id, r.seq) for r in rows)
    assert len(per_run) == 2 * (BACKLOG + 4) and set(per_run.values()) == {1}


async def test_fewer_due_than_a_backlog_ask_for_no_helper(
    clean_db: AsyncEngine, database_url: str
) -> None:
    # Given a campaign that entered fewer customers than a backlog
    clock = Clock()
    funnel = await entered(clean_db, BACKLOG - 1, clock)
    helper = Helper(database_url, clock)

    # When the engine advances
    done = await advance_helped(clean_db, VersionCache(CHECK_FILTER), RUNTIME,
                                lambda _ids: None, helper, clock, LIMIT)  # fmt: skip

    # Then it asked for none and finished them alone
    assert helper.asked == 0
    assert done.ran == 2 * (BACKLOG - 1)
    assert set((await positions(clean_db, funnel)).values()) == {("COMPLETED", None)}


async def test_helpers_that_cannot_be_sent_leave_the_engine_advancing_alone(
    clean_db: AsyncEngine,
) -> None:
    # Given a backlog, and helpers that cannot be sent (the broker is down)
    clock = Clock()
    funnel = await entered(clean_db, BACKLOG, clock)

    def broker_down() -> None:
        raise ConnectionError("the broker is down")

    # When the engine advances
    done = await advance_helped(clean_db, VersionCache(CHECK_FILTER), RUNTIME,
                                lambda _ids: None, broker_down, clock, LIMIT)  # fmt: skip

    # Then it finished every enrollment itself
    assert done.ran == 2 * BACKLOG
    assert set((await positions(clean_db, funnel)).values()) == {("COMPLETED", None)}


async def test_a_large_campaign_entry_refreshes_the_enrollments_statistics(
    clean_db: AsyncEngine,
) -> None:
    # Given a campaign for ANALYZE_AFTER customers, in a table PostgreSQL knows to be empty
    funnel_id = await active_funnel(clean_db, CAMPAIGN, "large")
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO customers (external_ref, first_name, category_id) "
                "SELECT 'many-' || g, 'Many', (SELECT id FROM point_categories "
                "WHERE is_default) FROM generate_series(1, :n) g"
            ),
            {"n": ANALYZE_AFTER},
        )
        await conn.execute(text("ANALYZE funnel_enrollments"))
    funnel = await get_funnel(UnitOfWork(clean_db), funnel_id)
    assert funnel is not None
    versions = VersionCache(CHECK_FILTER)
    known = await read(UnitOfWork(clean_db), lambda uow: versions(uow, [(funnel_id, 1)]))

    # When its entry is due
    entered = await enter_due_ticks(lambda: UnitOfWork(clean_db), [(funnel, known[(funnel_id, 1)])],
                                    audience, Clock()())  # fmt: skip

    # Then it entered them all, and PostgreSQL's statistics count them
    assert entered == {funnel_id: ANALYZE_AFTER}
    async with clean_db.connect() as conn:
        counted = await conn.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'funnel_enrollments'")
        )
        assert counted.scalar_one() == ANALYZE_AFTER


async def test_a_helper_leaves_at_once_when_every_slot_is_taken(
    clean_db: AsyncEngine, database_url: str
) -> None:
    # Given a backlog, and the one helper's slot taken (a helper already helping)
    clock = Clock()
    funnel = await entered(clean_db, BACKLOG, clock)
    versions = VersionCache(CHECK_FILTER)
    async with clean_db.connect() as conn:
        held = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await held.execute(text("SELECT pg_advisory_lock(:slots, 0)"), {"slots": HELPER_SLOTS})

        # When another helper comes, then it leaves at once, having moved nobody
        left = await help_while_due(clean_db, versions, RUNTIME, lambda _ids: None, 1, clock,
                                    LIMIT)  # fmt: skip
        assert left is None
        assert set((await positions(clean_db, funnel)).values()) == {("ACTIVE", "mark")}

        # And once the slot is free, a helper advances every enrollment
        await held.execute(text("SELECT pg_advisory_unlock(:slots, 0)"), {"slots": HELPER_SLOTS})
    helped = await help_while_due(clean_db, versions, RUNTIME, lambda _ids: None, 1, clock,
                                  LIMIT)  # fmt: skip
    assert helped is not None and helped.ran == 2 * BACKLOG
    assert set((await positions(clean_db, funnel)).values()) == {("COMPLETED", None)}
