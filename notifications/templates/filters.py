"""The filters a template may use, each under the render's budget (budget.py).

Every filter checks the deadline before it runs and counts what it returns towards the
characters built (a `map('upper')` over a list builds one new string per item); filters
that work through a list (`map`, `select`, `unique`, `list`, `sort`, `sum`, `max`, ...) check
the deadline at every item, so a long list stops in time even inside one filter. Jinja2's
own filters are used where they can be; those whose single step could run long are
replaced: `join` and `replace` (the size of their result is known before it is built),
`sort` and `groupby` (every comparison checks the deadline), `sum` (a step per item), `int`
and `round` (numbers stay within the number limit)."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from jinja2 import filters as jinja_filters
from jinja2 import pass_context, pass_environment, pass_eval_context
from jinja2.environment import Environment
from jinja2.nodes import EvalContext
from jinja2.runtime import Context

from notifications.templates import formatting, limits
from notifications.templates.budget import (
    check_deadline,
    check_number,
    check_size,
    each,
    number_too_large,
    too_large,
)


@pass_eval_context
def _join(
    eval_ctx: EvalContext, value: Iterable[Any], d: str = "", attribute: str | None = None
) -> str:
    if attribute is not None:
        value = map(jinja_filters.make_attrgetter(eval_ctx.environment, attribute), value)
    # Markup (a macro's or `{% set %}` block's output, a value passed through `|e`) stays
    # Markup, as in Jinja2's own join: made a plain str, it would be escaped a second time.
    # The result's size is counted item by item, so a join that cannot fit is refused at
    # the item that passes the limit, not after the whole list is built.
    items: list[Any] = []
    total = -len(d)
    for item in each(value):
        text = check_size(item if hasattr(item, "__html__") else str(item))
        total += len(d) + len(text)
        if total > limits.VALUE_MAX_CHARS:
            raise too_large()
        items.append(text)
    return jinja_filters.do_join(eval_ctx, items, d)


@pass_eval_context
def _replace(eval_ctx: EvalContext, s: str, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(s), str(old), str(new)
    found = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    if len(text) + found * (len(new) - len(old)) > limits.VALUE_MAX_CHARS:
        raise too_large()
    return jinja_filters.do_replace(eval_ctx, s, old, new, count)


class _Ordered:
    """A sort key whose every comparison checks the deadline: sorting n long strings makes
    n log n comparisons of up to 262,144 characters each, in what would be one step."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: _Ordered) -> bool:
        check_deadline()
        return bool(self.key < other.key)


def _sorted(value: Iterable[Any], key: Callable[[Any], Any], reverse: bool = False) -> list[Any]:
    def ordered(item: Any) -> _Ordered:
        # sorted() makes every key before it compares any: a key (a lower-cased copy of
        # each string, by default) is a step of its own, and a value built.
        # A key of several attributes is a list of them: each is counted.
        check_deadline()
        made = key(item)
        for part in made if isinstance(made, list) else (made,):
            check_size(part)
        return _Ordered(made)

    # A list or tuple is already built (and counted): sorted() copies it in one step, and
    # `ordered` checks the deadline at every item. Walking it through `each` first would
    # spend a deadline check per item before the first key, 35 ms for 200,000 items.
    items = value if isinstance(value, list | tuple) else each(value)
    return sorted(items, key=ordered, reverse=reverse)


def _case(case_sensitive: bool) -> Callable[[Any], Any] | None:
    return None if case_sensitive else jinja_filters.ignore_case


@pass_environment
def _sort(
    environment: Environment,
    value: Iterable[Any],
    reverse: bool = False,
    case_sensitive: bool = False,
    attribute: str | int | None = None,
) -> list[Any]:
    key = jinja_filters.make_multi_attrgetter(environment, attribute, _case(case_sensitive))
    return _sorted(value, key, reverse)


@pass_environment
def _groupby(
    environment: Environment,
    value: Iterable[Any],
    attribute: str | int,
    default: Any = None,
    case_sensitive: bool = False,
) -> list[Any]:
    # Jinja2's groupby, over `_sorted`.
    key = jinja_filters.make_attrgetter(environment, attribute, _case(case_sensitive), default)
    shown = jinja_filters.make_attrgetter(environment, attribute, default=default)
    return [
        jinja_filters._GroupTuple(shown(values[0]), values)
        for values in (list(group) for _, group in itertools.groupby(_sorted(value, key), key))
    ]


@pass_environment
def _sum(
    environment: Environment,
    iterable: Iterable[Any],
    attribute: str | int | None = None,
    start: Any = 0,
) -> Any:
    # One addition per step (Python's sum is one step, quadratic over lists).
    if isinstance(start, str):
        raise TypeError("sum() can't sum strings [use join instead]")
    if attribute is not None:
        iterable = map(jinja_filters.make_attrgetter(environment, attribute), iterable)
    total = start
    for item in each(iterable):
        total = check_size(total + item)
    return total


def _int(value: Any, default: int = 0, base: int = 10) -> int:
    """Jinja2's `int`, for numbers within the limit only: converting a long decimal to an
    integer takes time quadratic in its length."""
    if isinstance(value, str):
        bits_per_digit = math.log2(base) if isinstance(base, int) and 2 <= base <= 36 else 1.0
        if len(value) > limits.NUMBER_MAX_BITS / bits_per_digit + 64:
            raise number_too_large()
    else:
        check_number(value)
    return check_number(jinja_filters.do_int(value, default, base))


def _round(value: Any, precision: int = 0, method: str = "common") -> Any:
    """Jinja2's `round`, with a precision within the number limit and a result within it
    (`ceil` and `floor` multiply by 10 ** precision)."""
    if not isinstance(precision, int) or abs(precision) > limits.NUMBER_MAX_DIGITS:
        raise number_too_large()
    check_number(value)
    return check_number(jinja_filters.do_round(value, precision, method))  # type: ignore[arg-type]


@pass_context
def _loop_guard(_context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    """Every `{% for %}` iterates through this: each step checks the deadline, so nested
    loops over even small lists stop in time."""
    for item in iterable:
        check_deadline()
        yield item


def _guarded(original: Callable[..., Any], *, items: str = "") -> Callable[..., Any]:
    """`original` checking the deadline before it runs and counting what it returns. With
    `items="each"`, its input (unless a string or a dict) reaches it through `each`; with
    `items="sequence"`, an input that is not a sequence is first listed through `each`."""
    value_at = 1 if hasattr(original, "jinja_pass_arg") else 0  # after a context argument

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check_deadline()
        if items and len(args) > value_at:
            value = args[value_at]
            if items == "each" and not isinstance(value, str | Mapping):
                value = each(value)
            elif items == "sequence" and not isinstance(value, Sequence):
                value = list(each(value))
            args = (*args[:value_at], value, *args[value_at + 1 :])
        return check_size(original(*args, **kwargs))

    return guarded


ALLOWED_FILTERS = (
    "abs", "capitalize", "count", "d", "default", "dictsort", "e", "escape",
    "filesizeformat", "first", "float", "items", "last", "length", "list",
    "lower", "map", "max", "min", "reject", "rejectattr", "reverse", "select",
    "selectattr", "string", "striptags", "title", "trim", "truncate",
    "unique", "upper", "urlencode", "wordcount",
)  # fmt: skip
# Jinja2's filters that work through their input one item at a time.
ITERATING = frozenset(
    {"first", "list", "map", "max", "min", "reject", "rejectattr", "select", "selectattr",
     "unique"}
)  # fmt: skip
# Jinja2's filters that need a sequence (a generator is listed first).
REVERSING = frozenset({"last", "reverse"})
OWN_FILTERS: dict[str, Callable[..., Any]] = {
    "groupby": _groupby,
    "int": _int,
    "join": _join,
    "replace": _replace,
    "round": _round,
    "sort": _sort,
    "sum": _sum,
    **formatting.FILTERS,
}
LOOP_GUARD = "loop_guard"


def _mode(name: str) -> str:
    return "each" if name in ITERATING else "sequence" if name in REVERSING else ""


FILTERS: dict[str, Callable[..., Any]] = {
    **{name: _guarded(jinja_filters.FILTERS[name], items=_mode(name)) for name in ALLOWED_FILTERS},
    **{name: _guarded(function) for name, function in OWN_FILTERS.items()},
    LOOP_GUARD: _loop_guard,
}
