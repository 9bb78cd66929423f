"""Given a database with templates, a voucher batch and a category, when funnels are
validated, saved, edited and moved between statuses, then what is stored follows the rules
on references, versions, migrations, statuses and retries."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError
from domain.uow import UnitOfWork
from funnels.definitions.models import FunnelStatus, Saved
from funnels.definitions.queries import funnel_version, list_funnels, versions_of
from funnels.definitions.services import change_status, save_funnel, validate_funnel
from funnels.definitions.statuses import Transition
from tests.funnels.definitions.support import check_filter, seed_references, welcome


@pytest.fixture
async def db(clean_db: AsyncEngine) -> AsyncEngine:
    await seed_references(clean_db)
    return clean_db


async def save(engine: AsyncEngine, raw: Any, key: str, **kwargs: Any) -> Saved:
    return await save_funnel(
        UnitOfWork(engine), raw, check_filter, idempotency_key=key, actor="marketer", **kwargs
    )


async def refused(engine: AsyncEngine, raw: Any, key: str, **kwargs: Any) -> dict[str | None, str]:
    with pytest.raises(DomainError) as caught:
        await save(engine, raw, key, **kwargs)
    return {p.field: p.code.value for p in caught.value.problems}


async def move(engine: AsyncEngine, funnel_id: int, transition: Transition) -> FunnelStatus:
    funnel = await change_status(
        UnitOfWork(engine), str(funnel_id), transition, check_filter, "marketer"
    )
    return funnel.status


async def test_references_are_checked_on_the_steps_path(db: AsyncEngine) -> None:
    raw = welcome()
    raw["steps"][2]["template"] = "receipt"  # transactional
    raw["steps"][6]["template"] = "welcome"  # an email for an SMS step
    raw["steps"][5]["voucherBatch"] = "99"
    raw["steps"][7] = {"id": "done", "type": "setCategory", "category": "Platinum"}
    assert await refused(db, raw, "k") == {
        "steps[2].template": "INVALID",
        "steps[6].template": "INVALID",
        "steps[5].voucherBatch": "NOT_FOUND",
        "steps[7].category": "NOT_FOUND",
    }
    raw["steps"][2]["template"] = "no such template"
    definition, problems = await validate_funnel(UnitOfWork(db), raw, check_filter)
    assert definition is None
    assert {p.field: p.code.value for p in problems}["steps[2].template"] == "NOT_FOUND"
    # Nothing was written
    assert (await list_funnels(UnitOfWork(db), 10)).items == []
    definition, problems = await validate_funnel(UnitOfWork(db), welcome(), check_filter)
    assert problems == [] and definition is not None


async def test_create_then_versions_then_statuses(db: AsyncEngine) -> None:
    # Given a new funnel: a DRAFT at version 1
    created = await save(db, welcome(), "create")
    fid = created.funnel.id
    assert (created.funnel.status, created.funnel.current_version) == (FunnelStatus.DRAFT, 1)
    # When a draft is edited, it gets version 2; a save of the same content writes nothing
    edited = welcome(description="Edited")
    assert (await save(db, edited, "edit", funnel_id=str(fid))).version.version == 2
    same = await save(db, edited, "same", funnel_id=str(fid))
    assert (same.changed, same.version.version) == (False, 2)
    # A draft has nobody to migrate
    migration = {s["id"]: s["id"] for s in edited["steps"]}
    assert await refused(db, welcome(), "m", funnel_id=str(fid), migration=migration) == {
        "migration": "INVALID"
    }
    # When activated, then paused and resumed, each move is stored; repeating one is harmless
    assert await move(db, fid, Transition.ACTIVATE) == FunnelStatus.ACTIVE
    assert await move(db, fid, Transition.ACTIVATE) == FunnelStatus.ACTIVE
    assert await move(db, fid, Transition.PAUSE) == FunnelStatus.PAUSED
    with pytest.raises(DomainError, match="PAUSED funnel cannot be activated"):
        await move(db, fid, Transition.ACTIVATE)
    assert await move(db, fid, Transition.RESUME) == FunnelStatus.ACTIVE
    draft = (await save(db, welcome(name="Other"), "other")).funnel.id
    with pytest.raises(DomainError, match="DRAFT funnel cannot be resumed"):
        await move(db, draft, Transition.RESUME)
    # Editing the active funnel makes version 3, with a migration of every old step
    changed = welcome(description="Active edit")
    changed["steps"][1]["points"] = 150
    bad = {"wait_1_day": "nowhere", "ghost": "done"}
    problems = await refused(db, changed, "v3", funnel_id=str(fid), migration=bad)
    assert problems["migration.wait_1_day"] == "NOT_FOUND"
    assert problems["migration.ghost"] == "NOT_FOUND"
    assert problems["migration.welcome_points"] == "REQUIRED"
    v3 = await save(db, changed, "v3", funnel_id=str(fid), migration=migration)
    assert (v3.version.version, v3.version.migration) == (3, migration)
    # Every version stays readable, the earlier ones as they were
    loaded = await funnel_version(UnitOfWork(db), fid, 1)
    assert loaded is not None and loaded[1].definition == created.version.definition
    versions = (await versions_of(UnitOfWork(db), [fid]))[fid]
    assert [v.version for v in versions] == [3, 2, 1]
    # When archived, it is final and read-only
    assert await move(db, fid, Transition.ARCHIVE) == FunnelStatus.ARCHIVED
    with pytest.raises(DomainError, match="archiving is final"):
        await move(db, fid, Transition.PAUSE)
    assert await refused(db, welcome(), "late", funnel_id=str(fid)) == {"id": "INVALID"}


async def test_activation_rechecks_references(db: AsyncEngine) -> None:
    created = await save(db, welcome(), "create")
    # Given the email template was made transactional after the save
    async with db.begin() as conn:
        await conn.execute(text("UPDATE message_templates SET purpose = 'TRANSACTIONAL'"))
    with pytest.raises(DomainError) as caught:
        await move(db, created.funnel.id, Transition.ACTIVATE)
    assert {p.field for p in caught.value.problems} == {"steps[2].template", "steps[6].template"}


async def test_names_are_unique(db: AsyncEngine) -> None:
    first = await save(db, welcome(), "a")
    assert await refused(db, welcome(), "b") == {"name": "DUPLICATE"}
    other = await save(db, welcome(name="Other"), "c")
    assert await refused(db, welcome(), "d", funnel_id=str(other.funnel.id)) == {
        "name": "DUPLICATE"
    }
    assert first.funnel.name == "Welcome series"


async def test_a_replayed_key_returns_the_first_save(db: AsyncEngine) -> None:
    first = await save(db, welcome(), "same key")
    again = await save(db, welcome(), "same key")
    assert again.replayed and again.funnel.id == first.funnel.id
    assert await refused(db, welcome(name="Else"), "same key") == {
        "idempotencyKey": "IDEMPOTENCY_CONFLICT"
    }
    # Concurrent replays of one key make one funnel
    results = await asyncio.gather(*(save(db, welcome(name="Race"), "race") for _ in range(8)))
    assert len({r.funnel.id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1


async def test_racing_saves_get_distinct_version_numbers(db: AsyncEngine) -> None:
    fid = str((await save(db, welcome(), "create")).funnel.id)

    async def edit(n: int) -> Saved:
        return await save(db, welcome(description=f"edit {n}"), f"edit {n}", funnel_id=fid)

    # When 30 saves race
    saved = await asyncio.gather(*(edit(n) for n in range(30)))
    # Then each made its own version, numbered 2 to 31 without a gap
    assert sorted(s.version.version for s in saved) == list(range(2, 32))
    versions = (await versions_of(UnitOfWork(db), [int(fid)]))[int(fid)]
    assert len(versions) == 31
    found = await funnel_version(UnitOfWork(db), int(fid))
    assert found is not None and found[0].current_version == 31


async def test_list_by_status(db: AsyncEngine) -> None:
    a = await save(db, welcome(name="A"), "a")
    await save(db, welcome(name="B"), "b")
    await move(db, a.funnel.id, Transition.ACTIVATE)
    active = await list_funnels(UnitOfWork(db), 10, status=FunnelStatus.ACTIVE)
    assert [f.name for f in active.items] == ["A"]
    page = await list_funnels(UnitOfWork(db), 1)
    assert page.has_next and [f.name for f in page.items] == ["B"]
