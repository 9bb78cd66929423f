"""Segment filters inside definitions (the entry filter, the exit condition's, a branch's)
are checked by a function the caller passes: funnels.segments' check_filter, wired in the
composition root (tessera/funnel_filters.py), so that this package neither owns nor guesses
the filter language.

A FilterCheck adds each problem of `value` to `problems` with its path under `path` (e.g.
`steps[3].filter.balance`) and returns None when it has problems (anything else, such as
funnels.segments' checked SegmentFilter, when it has none). A definition keeps a valid
filter as written (JSON): `checked_filter` below."""

from __future__ import annotations

from collections.abc import Callable

from domain.errors import ErrorCode, Problems

FilterCheck = Callable[[Problems, object, str], object | None]


def refuse_filters(problems: Problems, value: object, path: str) -> object | None:
    """The checker of a caller that was given none (schema's Context built without one):
    every filter is refused (fail closed) rather than saved unchecked."""
    problems.add(
        path,
        ErrorCode.INVALID,
        "Segment filters cannot be checked here, so they are refused.",
    )
    return None


def checked_filter(
    problems: Problems, check_filter: FilterCheck, value: object, path: str
) -> object | None:
    """The filter as written when `check_filter` finds no problem in it, else None. What the
    checker returns is not kept: the stored definition holds JSON, and the engine compiles
    its filters again from it."""
    return None if check_filter(problems, value, path) is None else value
