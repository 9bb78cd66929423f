"""Cron expressions of gift schedules (in UTC) and funnels' schedules (in their time zone):
five standard crontab fields, checked here for both.

Standard crontab and nothing more: numbers, `*`, ranges `a-b` (a <= b), steps `/n` after
`*` or a range, lists `a,b`, and the names JAN-DEC and SUN-SAT in the month and day-of-week
fields. `croniter` does the arithmetic (standard crontab: weekday 0 and 7 are Sunday, which
APScheduler 3's from_crontab reads as Monday, hence not that), but it reads more than
crontab, and what it reads beyond it is refused: its `R` draws another random value at each
evaluation (a daily gift whose hour is `R` would pay a new period at every run), its `H`
hashes a value from an id we do not give, and `L`, `W`, `#`, `?`, seconds and years are
Quartz's, not crontab's.

An expression saved before it was refused here never fires: next_after and latest_until
find no fire time for it, so its gift pays nothing and its funnel enters nobody, and the
runners log why (see crontab_problem) until it is replaced.

A period is one of the expression's fire times; a schedule's due period is the latest one
not after now."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, croniter

from domain.errors import ErrorCode, Problems


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    span: str  # its values, as a refusal states them
    names: Mapping[str, int] = field(default_factory=dict)


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_FIELDS = (
    _Field("minute", 0, 59, "0-59"),
    _Field("hour", 0, 23, "0-23"),
    _Field("day of month", 1, 31, "1-31"),
    _Field("month", 1, 12, "1-12 or JAN-DEC", {m: i for i, m in enumerate(_MONTHS, start=1)}),
    _Field(
        "day of week",
        0,
        7,
        "0-7, 0 and 7 being Sunday, or SUN-SAT",
        {d: i for i, d in enumerate(_WEEKDAYS)},
    ),
)
FIELDS = tuple(f.name for f in _FIELDS)
_SYNTAX = "'*', ranges a-b, steps */n or a-b/n, lists a,b"

# One item of a field's list: `*` or a value, then optionally a range's end and a step.
_ITEM = re.compile(r"(\*|[0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?(?:/([0-9]+))?")
_NUMBER = re.compile(r"[0-9]{1,2}")
# croniter's (and Quartz's) extensions, named in the refusal: a letter standing alone (not
# inside a name such as WED or JUL), or `#` and `?`.
_EXTENSION = re.compile(r"(?<![A-Z])(?:LW|[RHLW])(?![A-Z])|[#?]")
_EXTENSIONS = {
    "R": "random",
    "H": "hashed",
    "L": "last",
    "W": "nearest weekday",
    "LW": "last weekday",
    "#": "nth weekday",
    "?": "no value",
}
# An expression whose fire times are further apart than this never fires in practice.
_MAX_YEARS_BETWEEN = 5


def check_cron(problems: Problems, field: str, expression: str | None) -> str:
    """The expression with its fields separated by single spaces; a problem (INVALID_CRON,
    saying what is wrong and in which cron field) when it is not five standard crontab
    fields (crontab_problem) that ever fire. Gift schedules and funnels' schedules are both
    checked here."""
    normalised = " ".join((expression or "").split())
    problem = crontab_problem(normalised)
    if problem is None and next_after(normalised, datetime.now(UTC)) is None:
        problem = f"{normalised!r} never fires."
    if problem is not None:
        problems.add(field, ErrorCode.INVALID_CRON, problem)
    return normalised


def crontab_problem(expression: str) -> str | None:
    """Why `expression` is not five standard crontab fields (see the module), naming the
    field at fault; None when it is."""
    parts = expression.split()
    if len(parts) != len(_FIELDS):
        return (
            "A cron expression has 5 fields (minute hour day-of-month month day-of-week), "
            f"e.g. '0 9 1 * *'; got {len(parts)}."
        )
    for spec, text in zip(_FIELDS, parts, strict=True):
        for item in text.split(","):
            reason = _item_problem(spec, item)
            if reason is not None:
                return (
                    f"The {spec.name} field {text[:20]!r} is not valid: {reason} "
                    f"({spec.span}; {_SYNTAX})."
                )
    return None


def _item_problem(spec: _Field, item: str) -> str | None:
    """Why one item of a field's list is not crontab; None when it is."""
    extension = _EXTENSION.search(item.upper())
    if extension is not None:
        marker = extension.group(0)
        return f"{marker!r} ({_EXTENSIONS[marker]}) is not crontab syntax"
    found = _ITEM.fullmatch(item)
    if found is None:
        return "an empty list item" if not item else f"{item[:20]!r} is not crontab syntax"
    start, end, step = found.groups()
    if start == "*":
        if end is not None:
            return "'*' takes no range"
    else:
        first, last = _value(spec, start), _value(spec, end or start)
        if first is None or last is None:
            return _value_problem(spec, start if first is None else end or start)
        if first > last:
            return f"{start}-{end} is a reversed range"
        if step is not None and end is None:
            return f"a step follows '*' or a range, e.g. '*/{step}' or '{start}-{spec.high}/{step}'"
    width = spec.high - spec.low + 1
    if step is not None and (len(step) > 2 or not 1 <= int(step) <= width):
        return f"the step /{step[:5]} is not 1 to {width}"
    return None


def _value(spec: _Field, token: str) -> int | None:
    """The number a value of the field stands for (a number within its bounds or, in the
    month and day-of-week fields, a name); None when it is neither."""
    if _NUMBER.fullmatch(token):
        number = int(token)
        return number if spec.low <= number <= spec.high else None
    return spec.names.get(token.upper())


def _value_problem(spec: _Field, token: str) -> str:
    if token.isascii() and token.isdigit():
        return f"{token[:20]} is out of range"
    return f"{token[:20]!r} is not a number{' or a name' if spec.names else ''}"


def next_after(expression: str, moment: datetime) -> datetime | None:
    """The first fire time strictly after `moment` (None if there is none within years, or
    the expression is not crontab: see the module)."""
    return _fire_time(expression, moment, backwards=False)


def latest_until(expression: str, moment: datetime) -> datetime | None:
    """The last fire time at or before `moment` (None if there is none within years, or the
    expression is not crontab: see the module)."""
    # Fire times are whole minutes: the last one before the next second is at or before.
    start = moment.replace(microsecond=0) + timedelta(seconds=1)
    return _fire_time(expression, start, backwards=True)


def _fire_time(expression: str, start: datetime, backwards: bool) -> datetime | None:
    if crontab_problem(expression) is not None:  # saved before it was refused: never fires
        return None
    times = croniter(expression, start, max_years_between_matches=_MAX_YEARS_BETWEEN)
    try:
        found: datetime = times.get_prev(datetime) if backwards else times.get_next(datetime)
    except CroniterBadDateError:
        return None
    return found.astimezone(UTC)
