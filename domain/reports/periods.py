"""The period a report covers, and the buckets a flow is cut into.

A period is half-open: `since` inclusive, `until` exclusive (so May is since 2026-05-01
until 2026-06-01, and an entry at midnight counts in one month only); either may be open.
Times without an offset are taken as UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import ErrorCode, Problems
from domain.validation import check_moment

DEFAULT_TIME_ZONE = "UTC"


class Granularity(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"  # ISO weeks: Monday to Sunday
    MONTH = "MONTH"


# The longest period a flow covers at each granularity (at most about 1,200 buckets).
MAX_FLOW_DAYS = {Granularity.DAY: 1_000, Granularity.WEEK: 7_000, Granularity.MONTH: 36_600}


@dataclass(frozen=True)
class Period:
    since: datetime | None = None
    until: datetime | None = None


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def check_period(problems: Problems, period: Period, prefix: str = "") -> Period:
    """The period with naive times taken as UTC; a problem when it ends before it starts
    or a bound is out of range."""
    before = len(problems.items)
    check_moment(problems, f"{prefix}since", period.since)
    check_moment(problems, f"{prefix}until", period.until)
    if len(problems.items) > before:
        return Period()
    since, until = as_utc(period.since), as_utc(period.until)
    if since is not None and until is not None and until <= since:
        problems.add(f"{prefix}until", ErrorCode.INVALID, "until must be after since.")
    return Period(since, until)


def check_flow_period(
    problems: Problems, period: Period, granularity: Granularity
) -> tuple[datetime, datetime]:
    """A flow's bounds: both required, in order, not longer than MAX_FLOW_DAYS allows."""
    clean = check_period(problems, period)
    for field, value in (("since", clean.since), ("until", clean.until)):
        if value is None:
            problems.add(field, ErrorCode.REQUIRED, f"A flow needs {field}.")
    if clean.since is None or clean.until is None:
        return datetime.min.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC)
    longest = MAX_FLOW_DAYS[granularity]
    if (clean.until - clean.since).days > longest:
        problems.add(
            "until",
            ErrorCode.OUT_OF_RANGE,
            f"A flow by {granularity.value.lower()} covers at most {longest} days.",
        )
    return clean.since, clean.until


def check_time_zone(problems: Problems, field: str, name: str | None) -> str:
    """An IANA time zone name (Europe/Paris); UTC when none is given."""
    if name is None or not name.strip():
        return DEFAULT_TIME_ZONE
    name = name.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(field, ErrorCode.INVALID, f"{name[:60]!r} is not a known time zone.")
    return name
