"""ISO 8601 durations as definitions write them (`P1D`, `PT12H`, `P2W`, `P1DT6H30M`).

Years and months are refused: their length varies, so "wait P1M" would mean 28 to 31 days
depending on the day a customer entered; a marketer writes `P30D` and knows what it means.
Every duration is bounded: at least a minute (shorter waits are not waits a scheduler keeps)
and at most two years (a longer one is a mistake, and it keeps every sum of waits far inside
what a timestamp holds)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from domain.errors import ErrorCode, Problems
from funnels.definitions.fields import describe

MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=730)

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d{1,4})W|(?:(?P<days>\d{1,4})D)?"
    r"(?:T(?:(?P<hours>\d{1,6})H)?(?:(?P<minutes>\d{1,8})M)?(?:(?P<seconds>\d{1,9})S)?)?)"
)


@dataclass(frozen=True)
class Duration:
    """A duration as written (upper case, e.g. `P1D`) and its length."""

    text: str
    length: timedelta


def duration(
    problems: Problems, path: str, value: object, *, required: bool = True
) -> Duration | None:
    """The duration written at `path`, within MIN_DURATION and MAX_DURATION."""
    if value is None:
        if required:
            problems.add(path, ErrorCode.REQUIRED, "Required: an ISO 8601 duration, e.g. P1D.")
        return None
    if not isinstance(value, str):
        problems.add(
            path, ErrorCode.INVALID, f"Expected an ISO 8601 duration, got {describe(value)}."
        )
        return None
    written = value.strip().upper()
    found = _DURATION.fullmatch(written) if len(written) <= 40 else None
    if found is None or written in ("P", "PT") or written.endswith("T"):
        problems.add(
            path,
            ErrorCode.INVALID,
            "Not an ISO 8601 duration in weeks, days, hours, minutes or seconds "
            "(e.g. P1D, PT12H, P2W; years and months vary in length: write days).",
        )
        return None
    parts = {name: int(amount) for name, amount in found.groupdict().items() if amount}
    length = timedelta(**parts)
    if not MIN_DURATION <= length <= MAX_DURATION:
        problems.add(
            path,
            ErrorCode.OUT_OF_RANGE,
            f"A duration runs from PT1M to P{MAX_DURATION.days}D.",
        )
        return None
    return Duration(written, length)
