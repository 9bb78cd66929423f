"""When a marketing message may go: the time arithmetic of quiet hours and caps, pure (no
database), on tz-aware instants.

Quiet hours are wall-clock times in the customer's zone, so their end is found on the
customer's calendar and turned into an instant with zoneinfo, which follows daylight saving:
09:00 in Europe/Rome is 08:00 UTC in winter, 07:00 UTC in summer. Two wall-clock times need
a rule: an end that happens twice (the hour the clocks go back) is its first occurrence
after the instant asked about; an end that does not happen that day (in the hour the clocks
skip) is read with the offset before the change, which falls after the skip (02:30 on the
spring-forward day in Rome is 03:30 summer time): a message can be late by at most the
skipped hour, never early."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notifications.fatigue.models import Cap, QuietHours


@cache
def zone(name: str | None, default: str | None = None) -> ZoneInfo:
    """The customer's zone: their own, else the program's default, else UTC (a name zoneinfo
    does not know counts as none)."""
    for candidate in (name, default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def quiet_until(at: datetime, quiet: QuietHours, tz: ZoneInfo) -> datetime | None:
    """When the quiet hours holding `at` end, in UTC; None when `at` is outside them."""
    local = at.astimezone(tz)
    if not quiet.holds(local.time()):
        return None
    day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        day += timedelta(days=1)  # in the evening part: they end tomorrow morning
    return _first_after(at, day, quiet, tz)


def _first_after(at: datetime, day: date, quiet: QuietHours, tz: ZoneInfo) -> datetime:
    """The instant `quiet.end` on `day` in `tz`, after `at` (see the module's docstring for
    wall-clock times that happen twice or not at all)."""
    readings = [datetime.combine(day, quiet.end, tzinfo=tz).replace(fold=f) for f in (0, 1)]
    real = [r.astimezone(UTC) for r in readings if _exists(r)]
    after = sorted(r for r in real if r > at)
    if after:
        return after[0]
    # Not a real time that day (skipped by the clocks): the earlier offset, after the skip.
    return max(readings[0].astimezone(UTC), at + timedelta(minutes=1))


def _exists(local: datetime) -> bool:
    """Whether a wall-clock reading names a real instant (it survives a round trip)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None, fold=0) == local.replace(tzinfo=None, fold=0)


def outside_quiet_hours(at: datetime, quiet: QuietHours | None, tz: ZoneInfo) -> datetime:
    """The first instant from `at` outside the quiet hours (`at` itself when outside)."""
    moment = at
    # Once past their end the wall clock is outside them; the loop covers an end read after
    # a skipped hour that lands in the next quiet hours (hours ending just before they start).
    for _ in range(4):
        until = None if quiet is None else quiet_until(moment, quiet, tz)
        if until is None:
            return moment
        moment = until
    return moment


def cap_until(sent: Sequence[datetime], cap: Cap, now: datetime) -> datetime | None:
    """When a message may go under the cap, given the times of the counted messages; None
    when it may go now. The window is sliding: a message sent at t counts while
    now - window < t, so with the cap reached the next may go when the cap-th newest leaves
    the window (with more than the cap counted, after a cap was lowered, the same: then the
    count falls below the cap)."""
    window = cap.window
    recent = sorted((t for t in sent if t > now - window), reverse=True)
    if len(recent) < cap.max_messages:
        return None
    return recent[cap.max_messages - 1] + window
