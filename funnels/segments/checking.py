"""The syntactic check of a segment filter: JSON in, a `SegmentFilter` out, every problem
collected with its JSON path (`steps[3].filter.all[1].balance.gte`).

Purely syntactic: it reads nothing from the database (names of saved segments, categories,
badges and batches are checked by `references.check_filter_references`). It never raises
on any JSON value: a wrong type anywhere is a problem, the nesting of all/any/not is
bounded by MAX_DEPTH (deeper input is reported, not descended into) and the number of
conditions by MAX_CONDITIONS, so no input can exhaust the stack or the time of a check."""

from __future__ import annotations

from typing import cast

from domain.errors import ErrorCode, Problems
from funnels.segments import model as m
from funnels.segments.leaves import LEAVES
from funnels.segments.pieces import MAX_LIST, NAME, Reader, at

MAX_DEPTH = 12  # all/any/not inside one another
MAX_CONDITIONS = 200  # nodes of one filter (before saved segments are expanded)

__all__ = ["MAX_CONDITIONS", "MAX_DEPTH", "NAME", "check_filter"]


def check_filter(problems: Problems, raw: object, path: str) -> m.SegmentFilter | None:
    """The checked filter, or None when `raw` has any problem; each problem is added to
    `problems` with its path under `path` (`steps[3].filter`). Never raises."""
    before = len(problems.items)
    checked = _Checker(problems, path).node(raw, "", 0)
    return checked if len(problems.items) == before else None


class _Checker(Reader):
    def __init__(self, problems: Problems, prefix: str) -> None:
        super().__init__(problems, prefix)
        self.conditions = 0

    def node(self, raw: object, path: str, depth: int) -> m.SegmentFilter | None:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.add(
                path,
                ErrorCode.REQUIRED if raw is None or raw == {} else ErrorCode.INVALID,
                'A condition is an object with exactly one key, e.g. {"balance": {"gte": 500}}.',
            )
            return None
        ((key, value),) = raw.items()
        here = at(path, key)
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"At most {MAX_CONDITIONS} conditions.")
        if self.conditions > MAX_CONDITIONS:
            return None
        if key in ("all", "any", "not"):
            if depth >= MAX_DEPTH:
                self.add(here, ErrorCode.OUT_OF_RANGE, f"Nested more than {MAX_DEPTH} deep.")
                return None
            return self.group(key, value, here, depth + 1)
        leaf = LEAVES.get(key) if isinstance(key, str) else None
        if leaf is None:
            known = ", ".join(["all", "any", "not", *LEAVES])
            self.add(here, ErrorCode.INVALID, f"Unknown condition; known: {known}.")
            return None
        return leaf(self, key, value, here)

    def group(self, key: str, value: object, here: str, depth: int) -> m.SegmentFilter | None:
        if key == "not":
            item = self.node(value, here, depth)
            return m.Not(item, here) if item is not None else None
        if not isinstance(value, list) or not value:
            self.add(here, ErrorCode.INVALID, f'"{key}" takes a non-empty list of conditions.')
            return None
        if len(value) > MAX_LIST:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"At most {MAX_LIST} conditions.")
            return None
        items = [self.node(item, f"{here}[{i}]", depth) for i, item in enumerate(value)]
        if any(item is None for item in items):
            return None
        checked = tuple(cast(list[m.SegmentFilter], items))
        return m.All(checked, here) if key == "all" else m.AnyOf(checked, here)
