"""Saved segments: a filter under a name, reusable by `{"segment": "<name>"}` in any other
filter (funnels) and by name in gift schedules and price rules, expanded inline when
compiled.

A save is an upsert by name: saving the same name and filter again (a retried request)
leaves the same segment, so no idempotency key is needed. Saves and deletes take the
table's lock one at a time, so that the cycle check and the in-use check see every other
segment as it will be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.gifts.services import schedules_naming_segment
from domain.pagination import Page
from domain.pricing.segments import rules_naming_segment
from domain.uow import UnitOfWork
from domain.validation import optional_text
from funnels.segments import model as m
from funnels.segments.checking import NAME, check_filter
from funnels.segments.funnel_users import funnels_naming_segment
from funnels.segments.references import check_filter_references
from funnels.segments.tables import segments

MAX_DESCRIPTION = 1_000


@dataclass(frozen=True)
class SavedSegment:
    id: int
    name: str
    description: str
    filter: Any  # the JSON as saved
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SegmentSaved:
    """The segment as written, and whether this save created it (else it replaced it)."""

    segment: SavedSegment
    created: bool


def _saved(row: Any) -> SavedSegment:
    return SavedSegment(
        row.id,
        row.name,
        row.description,
        row.filter,
        row.created_by,
        row.updated_by,
        row.created_at,
        row.updated_at,
    )


def check_name(problems: Problems, field: str, name: object) -> str:
    """A segment's name: letters, digits, '.', '_' and '-', at most 100 characters."""
    if not isinstance(name, str) or not name.strip():
        problems.add(field, ErrorCode.REQUIRED, "A name is required.")
        return ""
    clean = name.strip()
    if len(clean) > 100 or not NAME.match(clean):
        problems.add(
            field, ErrorCode.INVALID, "At most 100 letters, digits, '.', '_' and '-' characters."
        )
    return clean


async def save_segment(
    uow: UnitOfWork, name: str, description: str | None, raw_filter: object, actor: str
) -> SegmentSaved:
    """Create the segment `name`, or replace its description and filter.

    Guarantees: every problem of the name, the description and the filter (each with its
    JSON path under `filter`), and every name the filter refers to that does not exist,
    reported at once and nothing written; a filter that would put the segment in a cycle
    of saved segments (itself included) is refused with SEGMENT_CYCLE; saving the same
    again leaves the same segment (a retry is harmless)."""
    problems = Problems()
    clean_name = check_name(problems, "name", name)
    clean_description = optional_text(problems, "description", description, MAX_DESCRIPTION)
    checked = check_filter(problems, raw_filter, "filter")
    problems.raise_if_any()
    assert checked is not None
    command = SaveSegment(clean_name, clean_description or "", raw_filter, checked, actor)
    return await run(uow, command)


@dataclass(frozen=True)
class SaveSegment(Command[SegmentSaved]):
    name: str
    description: str
    raw_filter: Any
    checked: m.SegmentFilter
    actor: str

    async def handle(self, uow: UnitOfWork) -> SegmentSaved:
        await _lock(uow)
        graph = await _graph(uow)
        graph[self.name] = set(m.segment_names(self.checked))
        loop = _cycle_from(self.name, graph)
        if loop is not None:
            refs = (n for n in m.walk(self.checked) if isinstance(n, m.SegmentRef))
            where = next(n.path for n in refs if n.name == loop[1])
            raise DomainError.one(
                m.join_path("filter", where),
                ErrorCode.SEGMENT_CYCLE,
                f"Saved segments would form a cycle: {' -> '.join(loop)}.",
            )
        problems = Problems()
        await check_filter_references(uow, problems, self.checked, "filter")
        problems.raise_if_any()
        values = {
            "name": self.name,
            "description": self.description,
            "filter": self.raw_filter,
            "created_by": self.actor,
            "updated_by": self.actor,
        }
        statement = insert(segments).values(**values)
        upsert = statement.on_conflict_do_update(
            index_elements=[segments.c.name],
            set_={
                "description": statement.excluded.description,
                "filter": statement.excluded.filter,
                "updated_by": statement.excluded.updated_by,
                "updated_at": func.now(),
            },
        ).returning(*segments.c, literal_column("(xmax = 0)").label("inserted"))
        row = (await uow.execute(upsert)).one()
        return SegmentSaved(_saved(row), bool(row.inserted))


async def delete_segment(uow: UnitOfWork, name: str) -> bool:
    """Delete the segment `name`; whether it existed (deleting it again is harmless).

    Guarantees: a segment another saved segment, a gift schedule, a price rule (active
    or retired) or a funnel names is kept, refused with SEGMENT_IN_USE naming them (a
    funnel: in a filter of a version that can still run a step, funnel_users)."""
    problems = Problems()
    clean = check_name(problems, "name", name)
    problems.raise_if_any()
    return await run(uow, DeleteSegment(clean))


@dataclass(frozen=True)
class DeleteSegment(Command[bool]):
    name: str

    async def handle(self, uow: UnitOfWork) -> bool:
        await _lock(uow)
        # The row first: a gift schedule or a price rule being saved with this segment holds
        # it (catalog.SavedSegments.exists), so the checks below run once it is committed
        # and see it; one saved after this lock finds the segment gone.
        row = select(segments.c.id).where(segments.c.name == self.name).with_for_update()
        await uow.execute(row)
        users = sorted(n for n, names in (await _graph(uow)).items() if self.name in names)
        gifts = await schedules_naming_segment(uow, self.name)
        rules = await rules_naming_segment(uow, self.name)
        funnels = await funnels_naming_segment(uow, self.name)
        if users or gifts or rules or funnels:
            named = [
                *(f"saved segment {n}" for n in users),
                *(f"gift schedule {n}" for n in gifts),
                *(f"price rule {n}" for n in rules),
                *(f"funnel {n}" for n in funnels),
            ]
            raise DomainError.one(
                "name",
                ErrorCode.SEGMENT_IN_USE,
                f"Used by {', '.join(named)}: change them first.",
            )
        result = await uow.execute(delete(segments).where(segments.c.name == self.name))
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_segments(
    uow: UnitOfWork, limit: int = 100, after_id: int | None = None
) -> Page[SavedSegment]:
    """Saved segments in the order they were made, `limit` at a time after `after_id`."""
    query = select(segments).order_by(segments.c.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(segments.c.id > after_id)
    async with uow:
        return Page.from_rows([_saved(row) for row in await uow.execute(query)], limit)


async def get_segment(uow: UnitOfWork, name: str) -> SavedSegment | None:
    """The saved segment `name`, if any."""
    async with uow:
        query = select(segments).where(segments.c.name == name)
        row = (await uow.execute(query)).one_or_none()
        return _saved(row) if row is not None else None


async def load_saved(uow: UnitOfWork, segment: m.SegmentFilter) -> dict[str, m.SegmentFilter]:
    """Every saved segment by name, checked, for compiling `segment` (in the open unit of
    work): one query, none when the filter names no saved segment. A saved filter that no
    longer passes the check (saved by an older version) is a problem naming it."""
    if not m.segment_names(segment):
        return {}
    return await read_saved(uow)


async def read_saved(uow: UnitOfWork) -> dict[str, m.SegmentFilter]:
    """Every saved segment by name, checked (in the open unit of work): one query. A saved
    filter that no longer passes the check is a problem naming it."""
    found: dict[str, m.SegmentFilter] = {}
    problems = Problems()
    for row in await uow.execute(select(segments.c.name, segments.c.filter)):
        checked = check_filter(problems, row.filter, f"segments[{row.name}].filter")
        if checked is not None:
            found[row.name] = checked
    problems.raise_if_any()
    return found


async def _lock(uow: UnitOfWork) -> None:
    # Reads (previews, funnels compiling filters) only read: SHARE ROW EXCLUSIVE lets
    # them through and keeps saves and deletes one at a time.
    await uow.execute(text("LOCK TABLE segments IN SHARE ROW EXCLUSIVE MODE"))


async def _graph(uow: UnitOfWork) -> dict[str, set[str]]:
    """Each saved segment's name -> the saved segments its filter names."""
    graph: dict[str, set[str]] = {}
    for row in await uow.execute(select(segments.c.name, segments.c.filter)):
        checked = check_filter(Problems(), row.filter, "")
        graph[row.name] = set(m.segment_names(checked)) if checked is not None else set()
    return graph


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path start -> ... -> start through the graph, if any (iterative depth first)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, trail = stack.pop()
        for following in sorted(graph.get(name, ())):
            if following == start:
                return [*trail, start]
            if following not in seen:
                seen.add(following)
                stack.append((following, [*trail, following]))
    return None
