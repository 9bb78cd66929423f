"""The funnels that use a saved segment: a segment they name cannot be deleted, or the
engine could no longer compile their filters (docs/segments.md).

A funnel version still uses what its filters name while it can have enrollments that run a
step: it is the current version of a funnel that is not ARCHIVED (new customers enter it),
or customers are still inside it (ACTIVE enrollments, an older version's included)."""

from __future__ import annotations

from sqlalchemy import text

from domain.errors import Problems
from domain.uow import UnitOfWork
from funnels.definitions.sql import FUNNEL_VERSIONS
from funnels.engine.sql import holds_active_enrollments_sql
from funnels.segments import model as m
from funnels.segments.checking import check_filter

# The versions whose definitions hold `{"segment": :name}` somewhere (a JSON path: the
# filters are confirmed by the checker below) and that can still run a step. Deletes are
# rare: one pass over the funnels' versions is fine.
_NAMING = text(f"""
    SELECT v.name, v.version, v.definition
      FROM ({FUNNEL_VERSIONS}) v
     WHERE jsonb_path_exists(v.definition, '$.** ? (@.segment == $name)',
                             jsonb_build_object('name', CAST(:name AS text)))
       AND ((v.status <> 'ARCHIVED' AND v.version = v.current_version)
            OR {holds_active_enrollments_sql("v.funnel_id", "v.version")})
     ORDER BY v.name, v.version
""")


async def funnels_naming_segment(uow: UnitOfWork, name: str) -> list[str]:
    """The funnels (by name, each once, sorted) one of whose versions that can still run a
    step names the saved segment `name` in a filter (entry, exit or a branch), in the open
    unit of work."""
    found: list[str] = []
    for row in await uow.execute(_NAMING, {"name": name}):
        if row.name not in found and name in _segments_named(row.definition):
            found.append(row.name)
    return found


def _segments_named(definition: object) -> set[str]:
    """The saved segments a stored definition's filters name."""
    if not isinstance(definition, dict):
        return set()
    filters: list[object] = []
    for part in ("entry", "exit"):
        section = definition.get(part)
        if isinstance(section, dict) and "filter" in section:
            filters.append(section["filter"])
    steps = definition.get("steps")
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict) and "filter" in step:
            filters.append(step["filter"])
    named: set[str] = set()
    for raw in filters:
        checked = check_filter(Problems(), raw, "filter")
        if checked is not None:
            named.update(m.segment_names(checked))
    return named
