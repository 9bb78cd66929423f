"""The periods BI reports cover: both bounds required, half-open, at most MAX_DAYS long."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from domain.errors import ErrorCode, Problems
from domain.reports.periods import Period, check_period

# The UTC day (a date) of a timestamptz SQL expression: "{}".format(expression).
UTC_DAY = "CAST({} AT TIME ZONE 'UTC' AS date)"

MAX_DAYS = 3_700  # ten years and a bit: cohorts by month over a decade


def check_bounded(
    problems: Problems, period: Period, prefix: str = ""
) -> tuple[datetime, datetime]:
    """(since, until), naive times as UTC; REQUIRED for a missing bound, OUT_OF_RANGE for
    a period longer than MAX_DAYS, INVALID when until is not after since."""
    clean = check_period(problems, period, prefix)
    for name, value in (("since", clean.since), ("until", clean.until)):
        if value is None:
            problems.add(f"{prefix}{name}", ErrorCode.REQUIRED, f"The report needs {name}.")
    if clean.since is None or clean.until is None:
        return datetime.min, datetime.min
    if (clean.until - clean.since).days > MAX_DAYS:
        problems.add(f"{prefix}until", ErrorCode.OUT_OF_RANGE, f"At most {MAX_DAYS} days.")
    return clean.since, clean.until


def whole_days(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """[lo, hi): the UTC days that lie in [since, until) whole (lo = hi: none)."""
    since, until = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (since, until))
    lo = since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if lo < since:
        lo += timedelta(days=1)
    hi = until.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return lo, max(lo, hi)


def whole_months(lo: datetime, hi: datetime) -> tuple[date, date]:
    """[first, end): the UTC calendar months that lie in the whole days [lo, hi) (UTC
    midnights, as whole_days gives them) whole, as their first days (first = end: none)."""
    first = lo.date().replace(day=1)
    if first < lo.date():
        first = next_month(first)
    end = hi.date().replace(day=1)
    return first, max(first, end)


def next_month(first: date) -> date:
    """The first day of the month after the one `first` starts."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def midnight(day: date) -> datetime:
    """The moment (UTC) a UTC day starts."""
    return datetime.combine(day, time(), UTC)
