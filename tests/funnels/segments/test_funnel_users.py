"""Given saved segments named in funnels' filters, when a marketer deletes one, then it is
refused (SEGMENT_IN_USE, naming the funnel) while a version of the funnel can still run a
step (the current version of a funnel not archived, or a version customers are still
inside), and deleted once none can: the engine never meets a filter it cannot compile."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.definitions.services import change_status, save_funnel
from funnels.definitions.statuses import Transition
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.engine.housekeeping import exit_archived
from funnels.segments import delete_segment, save_segment
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.engine.support import Clock, active_funnel, customers


def branching(segment: str | None) -> dict[str, object]:
    """A funnel whose branch reads the saved segment (the balance itself without one)."""
    rich = {"segment": segment} if segment else {"balance": {"gte": 500}}
    return {
        "name": "VIP branch",
        "entry": {"trigger": {"campaign": {}}},
        "start": "wait",
        "steps": [
            {"id": "wait", "type": "wait", "duration": "P1D", "next": "vip"},
            {"id": "vip", "type": "branch", "filter": {"not": rich}, "yes": "a", "no": "b"},
            {"id": "a", "type": "exit", "reason": "not vip"},
            {"id": "b", "type": "exit", "reason": "vip"},
        ],
    }


async def _refusal(engine: AsyncEngine, name: str) -> str:
    with pytest.raises(DomainError) as refused:
        await delete_segment(UnitOfWork(engine), name)
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("name", ErrorCode.SEGMENT_IN_USE)
    ]
    return refused.value.problems[0].message


async def test_a_segment_a_funnel_uses_is_kept_until_no_version_can_run(
    clean_db: AsyncEngine,
) -> None:
    await save_segment(UnitOfWork(clean_db), "vip", None, {"balance": {"gte": 500}}, "ann")
    await save_segment(UnitOfWork(clean_db), "unused", None, {"balance": {"gte": 1}}, "ann")
    # Given an active funnel whose branch names "vip", a customer waiting on version 1
    funnel = await active_funnel(clean_db, branching("vip"), "v1")
    (cid,) = await customers(clean_db, 1)
    async with UnitOfWork(clean_db) as uow:
        await enter_ids(uow, Door(funnel, 1, "wait", EntryRule(Reentry.ONCE)), [cid], Clock()())
        await uow.commit()
    # Then "vip" cannot be deleted, the message naming the funnel; "unused" can
    assert "funnel VIP branch" in await _refusal(clean_db, "vip")
    assert await delete_segment(UnitOfWork(clean_db), "unused") is True

    # When version 2 no longer names it: the customer inside version 1 still keeps it
    await save_funnel(UnitOfWork(clean_db), branching(None), CHECK_FILTER, idempotency_key="v2",
                      actor="m", funnel_id=str(funnel))  # fmt: skip
    assert "funnel VIP branch" in await _refusal(clean_db, "vip")

    # And once the funnel is archived and nobody is inside any more, it can be deleted
    await change_status(UnitOfWork(clean_db), str(funnel), Transition.ARCHIVE, CHECK_FILTER, "m")
    assert "funnel VIP branch" in await _refusal(clean_db, "vip")  # still inside
    async with UnitOfWork(clean_db) as uow:  # the engine's next pass exits them (ARCHIVED)
        await exit_archived(uow, [funnel], Clock()())
        await uow.commit()
    assert await delete_segment(UnitOfWork(clean_db), "vip") is True


async def test_a_draft_or_paused_funnel_keeps_its_segments_too(clean_db: AsyncEngine) -> None:
    await save_segment(UnitOfWork(clean_db), "vip", None, {"balance": {"gte": 500}}, "ann")
    raw = {**branching(None), "entry": {"trigger": {"campaign": {}}, "filter": {"segment": "vip"}}}
    await save_funnel(UnitOfWork(clean_db), raw, CHECK_FILTER, idempotency_key="d", actor="m")
    assert "funnel VIP branch" in await _refusal(clean_db, "vip")
