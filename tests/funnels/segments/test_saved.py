"""Saved segments: saved and replaced by name, refused with every problem's path, never in
a cycle, kept while another segment names them; previews count, sample and classify."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork
from funnels.segments import (
    CostClass,
    delete_segment,
    get_segment,
    list_segments,
    preview_segment,
    save_segment,
)
from funnels.segments.preview import cost_class
from tests.funnels.segments.people import person

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def problems(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str | None, ErrorCode]]:
    return [(p.field, p.code) for p in error.value.problems]


async def test_save_replace_list_and_delete(clean_db: AsyncEngine) -> None:
    uow = UnitOfWork(clean_db)
    # When a marketer saves a segment, then saves it again with another filter
    first = await save_segment(uow, "rich", "500 points or more", {"balance": {"gte": 500}}, "ann")
    again = await save_segment(uow, "rich", None, {"balance": {"gte": 600}}, "bob")
    # Then the first save created it and the second replaced its filter, same segment
    assert first.created and not again.created
    assert again.segment.id == first.segment.id
    assert again.segment.filter == {"balance": {"gte": 600}}
    assert (again.segment.created_by, again.segment.updated_by) == ("ann", "bob")
    # And a retry of the same save leaves the same segment
    retried = await save_segment(uow, "rich", None, {"balance": {"gte": 600}}, "bob")
    assert retried.segment.filter == again.segment.filter and not retried.created
    assert [s.name for s in (await list_segments(uow)).items] == ["rich"]
    assert (await get_segment(uow, "rich")) is not None
    # And deleting it twice deletes it once
    assert await delete_segment(uow, "rich") is True
    assert await delete_segment(uow, "rich") is False
    assert (await list_segments(uow)).items == []


async def test_a_save_reports_every_problem_with_its_path(clean_db: AsyncEngine) -> None:
    uow = UnitOfWork(clean_db)
    with pytest.raises(DomainError) as bad:
        await save_segment(
            uow, "has space", "x" * 1001, {"all": [{"balance": {"gte": "1"}}, {"nope": 1}]}, "a"
        )
    assert problems(bad) == [
        ("name", ErrorCode.INVALID),
        ("description", ErrorCode.OUT_OF_RANGE),
        ("filter.all[0].balance.gte", ErrorCode.INVALID),
        ("filter.all[1].nope", ErrorCode.INVALID),
    ]
    # And names that do not exist are found with their paths
    with pytest.raises(DomainError) as unknown:
        raw = {
            "any": [
                {"segment": "ghost"},
                {"category": {"in": ["Base", "Platinum"]}},
                {"badge": {"held": 7}},
                {"badge": {"notHeld": "Gold"}},
                {"vouchers": {"held": True, "batch": 9}},
            ]
        }
        await save_segment(uow, "named", None, raw, "a")
    assert problems(unknown) == [
        ("filter.any[0].segment", ErrorCode.NOT_FOUND),
        ("filter.any[1].category.in[1]", ErrorCode.NOT_FOUND),
        ("filter.any[2].badge.held", ErrorCode.NOT_FOUND),
        ("filter.any[3].badge.notHeld", ErrorCode.NOT_FOUND),
        ("filter.any[4].vouchers.batch", ErrorCode.NOT_FOUND),
    ]
    assert (await list_segments(uow)).items == []


async def test_cycles_are_refused_and_used_segments_kept(clean_db: AsyncEngine) -> None:
    uow = UnitOfWork(clean_db)
    await save_segment(uow, "a", None, {"balance": {"gte": 1}}, "m")
    await save_segment(uow, "b", None, {"all": [{"segment": "a"}]}, "m")
    await save_segment(uow, "c", None, {"not": {"segment": "b"}}, "m")
    # When "a" is changed to name "c" (a -> c -> b -> a)
    with pytest.raises(DomainError) as cycle:
        await save_segment(
            uow, "a", None, {"any": [{"balance": {"gte": 5}}, {"segment": "c"}]}, "m"
        )
    # Then it is refused at the reference, naming the cycle, and "a" is unchanged
    assert problems(cycle) == [("filter.any[1].segment", ErrorCode.SEGMENT_CYCLE)]
    assert "a -> c -> b -> a" in cycle.value.problems[0].message
    saved_a = await get_segment(uow, "a")
    assert saved_a is not None and saved_a.filter == {"balance": {"gte": 1}}
    # And a segment naming itself is a cycle too
    with pytest.raises(DomainError) as itself:
        await save_segment(uow, "d", None, {"segment": "d"}, "m")
    assert problems(itself) == [("filter.segment", ErrorCode.SEGMENT_CYCLE)]
    # And "a" cannot be deleted while "b" names it
    with pytest.raises(DomainError) as used:
        await delete_segment(uow, "a")
    assert problems(used) == [("name", ErrorCode.SEGMENT_IN_USE)]
    assert "b" in used.value.problems[0].message


async def test_a_preview_counts_samples_and_classifies(clean_db: AsyncEngine) -> None:
    ids = [await person(clean_db, balance=100 * i) for i in range(1, 8)]
    uow = UnitOfWork(clean_db)
    await save_segment(uow, "rich", None, {"balance": {"gte": 300}}, "m")
    preview = await preview_segment(uow, {"all": [{"segment": "rich"}]}, NOW, first=3)
    assert preview.count == 5
    assert [c.id for c in preview.sample] == ids[2:5]
    assert preview.cost_class is CostClass.LOW and preview.estimated_cost > 0
    # And a bad filter is refused with its paths, nothing counted
    with pytest.raises(DomainError) as bad:
        await preview_segment(uow, {"any": [{"segment": "nope"}]}, NOW)
    assert problems(bad) == [("filter.any[0].segment", ErrorCode.NOT_FOUND)]


def test_cost_classes_follow_the_documented_thresholds() -> None:
    assert cost_class(9_999.9) is CostClass.LOW
    assert cost_class(10_000) is CostClass.MEDIUM
    assert cost_class(999_999) is CostClass.MEDIUM
    assert cost_class(1_000_000) is CostClass.HIGH


async def test_two_concurrent_saves_cannot_close_a_cycle(clean_db: AsyncEngine) -> None:
    # Given two plain segments
    await save_segment(UnitOfWork(clean_db), "a", None, {"balance": {"gte": 1}}, "m")
    await save_segment(UnitOfWork(clean_db), "b", None, {"balance": {"gte": 2}}, "m")
    # When two marketers at once make each name the other
    outcomes = await asyncio.gather(
        save_segment(UnitOfWork(clean_db), "a", None, {"segment": "b"}, "m"),
        save_segment(UnitOfWork(clean_db), "b", None, {"segment": "a"}, "m"),
        return_exceptions=True,
    )
    # Then one save wins and the other is refused as a cycle
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and refused[0].problems[0].code is ErrorCode.SEGMENT_CYCLE
    assert sum(1 for o in outcomes if not isinstance(o, BaseException)) == 1
