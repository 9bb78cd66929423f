"""Given customers waiting on an early version of a funnel, when the marketer saves newer
versions (with or without a migration) before the engine's next pass, then that pass
applies the stored migrations in version order from the oldest version with customers
inside: two saves each with a migration take them onto the latest version, keeping the
wait's wake-up time; a version saved without one stops them where the last migration
took them."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.definitions.services import save_funnel
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.engine.running import one_pass
from funnels.engine.versions import VersionCache
from tessera.funnel_engine import audience
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.engine.support import RUNTIME, Clock, active_funnel, advance, customers

V1: dict[str, Any] = {
    "name": "Lapsed gift",
    "entry": {"trigger": {"campaign": {"at": "2099-01-01T00:00:00Z"}}},
    "start": "wait_week",
    "steps": [
        {"id": "wait_week", "type": "wait", "duration": "P7D", "next": "gift"},
        {"id": "gift", "type": "addPoints", "points": 100},
    ],
}
SAME_STEPS = {"wait_week": "wait_week", "gift": "gift"}


def with_points(points: int) -> dict[str, Any]:
    raw = copy.deepcopy(V1)
    raw["steps"][1]["points"] = points
    return raw


async def _waiting_on_v1(engine: AsyncEngine, clock: Clock) -> tuple[int, int]:
    funnel = await active_funnel(engine, V1, "v1")
    (cid,) = await customers(engine, 1)
    async with UnitOfWork(engine) as uow:
        await enter_ids(uow, Door(funnel, 1, "wait_week", EntryRule(Reentry.ONCE)), [cid], clock())
        await uow.commit()
    await advance(engine, clock)  # the customer now waits a week on version 1
    return funnel, cid


async def _save(engine: AsyncEngine, funnel: int, points: int, migrated: bool) -> None:
    await save_funnel(UnitOfWork(engine), with_points(points), CHECK_FILTER,
                      idempotency_key=f"v{points}", actor="marketer", funnel_id=str(funnel),
                      migration=SAME_STEPS if migrated else None)  # fmt: skip


async def _pass(engine: AsyncEngine, clock: Clock) -> None:
    await one_pass(engine, VersionCache(CHECK_FILTER), RUNTIME, audience, lambda ids: None,
                   clock)  # fmt: skip


async def _where(engine: AsyncEngine) -> tuple[int, Any, list[int]]:
    async with engine.connect() as conn:
        version, due = (await conn.execute(text(
            "SELECT version, due_at FROM funnel_enrollments"))).one()  # fmt: skip
        gifts = await conn.execute(text("SELECT points FROM ledger_entries "
                                        "WHERE source_type = 'funnel'"))  # fmt: skip
        return version, due, [g.points for g in gifts]


async def test_two_saves_with_migrations_before_a_pass_take_customers_to_the_latest(
    clean_db: AsyncEngine,
) -> None:
    clock = Clock()
    funnel, _ = await _waiting_on_v1(clean_db, clock)
    _, due, _ = await _where(clean_db)
    # When the gift is fixed to 200 (v2, migrated), then to 300 (v3, migrated)
    await _save(clean_db, funnel, 200, migrated=True)
    await _save(clean_db, funnel, 300, migrated=True)

    # Then the next pass moves the customer to v3, the week's wait kept as it was
    await _pass(clean_db, clock)
    assert await _where(clean_db) == (3, due, [])
    # And the gift is version 3's
    clock.move(timedelta(days=8))
    await _pass(clean_db, clock)
    assert (await _where(clean_db))[2] == [300]


async def test_a_version_saved_without_a_migration_stops_the_chain(
    clean_db: AsyncEngine,
) -> None:
    clock = Clock()
    funnel, _ = await _waiting_on_v1(clean_db, clock)
    await _save(clean_db, funnel, 200, migrated=True)
    await _save(clean_db, funnel, 300, migrated=False)

    clock.move(timedelta(days=8))
    await _pass(clean_db, clock)

    # Then the customer went on as v2 (its migration applied), not v3
    version, _, gifts = await _where(clean_db)
    assert (version, gifts) == (2, [200])
