"""The check of what a segment filter names: saved segments, categories, badges and voucher
batches must exist. Run by callers in their open unit of work, after the syntactic check
(a missing name is a problem with its path, as the syntactic ones)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select

from domain.badges.sql import known_badge_titles, known_badges
from domain.customers.sql import known_category_names
from domain.errors import ErrorCode, Problems
from domain.uow import UnitOfWork
from domain.vouchers.sql import known_batches
from funnels.segments import model as m
from funnels.segments.model import join_path
from funnels.segments.tables import segments


async def check_filter_references(
    uow: UnitOfWork, problems: Problems, segment: m.SegmentFilter, path: str
) -> None:
    """Add a NOT_FOUND problem (its path under `path`) for every saved segment, category
    name, badge (id or title) and voucher batch the filter names that does not exist: at
    most one query per kind of name, none for a kind the filter does not use."""
    nodes = m.walk(segment)
    wanted: dict[str, list[tuple[str, object]]] = {}  # kind -> (path, name)
    for node in nodes:
        match node:
            case m.SegmentRef(segment_name):
                wanted.setdefault("segment", []).append((node.path, segment_name))
            case m.Category(category_names):
                for i, category in enumerate(category_names):
                    wanted.setdefault("category", []).append((f"{node.path}.in[{i}]", category))
            case m.Badge(badge, held):
                where = f"{node.path}.{'held' if held else 'notHeld'}"
                kind = "badge id" if isinstance(badge, int) else "badge title"
                wanted.setdefault(kind, []).append((where, badge))
            case m.Vouchers(batch=batch) if batch is not None:
                wanted.setdefault("batch", []).append((f"{node.path}.batch", batch))
    for kind, named in wanted.items():
        names = sorted({name for _, name in named}, key=str)
        found = {row[0] for row in await uow.execute(_known(kind, names))}
        for where, name in named:
            if name not in found:
                problems.add(join_path(path, where), ErrorCode.NOT_FOUND, f"No {kind} {name!r}.")


def _known(kind: str, names: Sequence[object]) -> Select[tuple[object]]:
    match kind:
        case "segment":
            return select(segments.c.name).where(segments.c.name.in_(names))
        case "category":
            return known_category_names([str(n) for n in names])
        case "badge id":
            return known_badges([int(str(n)) for n in names])
        case "badge title":
            return known_badge_titles([str(n) for n in names])
    return known_batches([int(str(n)) for n in names])
