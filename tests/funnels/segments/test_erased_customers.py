"""Given a live customer and an erased one, when a filter both match is evaluated (a
segment preview, a campaign entering through its entry filter, a dry run), then the erased
customer is never selected (docs/data-protection.md: "Funnels enter no erased customer"),
with or without a filter: the compiler's query leaves them out, once, for every user."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.data_requests.services import erase_customer
from domain.uow import UnitOfWork, read
from funnels.definitions.queries import get_funnel
from funnels.engine.ticks import enter_due_ticks
from funnels.engine.versions import VersionCache
from funnels.segments import preview_segment
from tessera.funnel_engine import audience
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.engine.support import START, Clock, active_funnel, customers
from tests.funnels.simulation.support import simulate

EVERYONE = {"balance": {"gte": 0}}  # the erased customer's balance row matches it


def gift(entry_filter: dict[str, Any] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"trigger": {"campaign": {}}}
    if entry_filter is not None:
        entry["filter"] = entry_filter
    return {"name": "Gift to all", "entry": entry, "start": "gift",
            "steps": [{"id": "gift", "type": "addPoints", "points": 100}]}  # fmt: skip


async def _one_live_one_erased(engine: AsyncEngine) -> tuple[int, int]:
    live, gone = await customers(engine, 2)
    await erase_customer(UnitOfWork(engine), PARTS, gone, "dpo", "erase-1")
    return live, gone


@pytest.mark.parametrize("entry_filter", [None, EVERYONE])
async def test_a_campaign_enters_no_erased_customer(
    clean_db: AsyncEngine, entry_filter: dict[str, Any] | None
) -> None:
    live, _ = await _one_live_one_erased(clean_db)
    funnel_id = await active_funnel(clean_db, gift(entry_filter), "campaign")
    funnel = await get_funnel(UnitOfWork(clean_db), funnel_id)
    assert funnel is not None
    versions = VersionCache(CHECK_FILTER)
    known = await read(UnitOfWork(clean_db), lambda uow: versions(uow, [(funnel_id, 1)]))

    await enter_due_ticks(lambda: UnitOfWork(clean_db), [(funnel, known[(funnel_id, 1)])],
                          audience, Clock()())  # fmt: skip

    async with clean_db.connect() as conn:
        rows = await conn.execute(text("SELECT customer_id FROM funnel_enrollments"))
        assert [r.customer_id for r in rows] == [live]


async def test_a_preview_and_a_dry_run_count_no_erased_customer(clean_db: AsyncEngine) -> None:
    live, _ = await _one_live_one_erased(clean_db)
    preview = await preview_segment(UnitOfWork(clean_db), EVERYONE, START)
    assert (preview.count, [c.id for c in preview.sample]) == (1, [live])
    dry_run = await simulate(clean_db, definition=gift(EVERYONE))
    assert (dry_run.audience, dry_run.entered) == (1, 1)
