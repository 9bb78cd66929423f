"""Cron expressions of gift schedules: five fields in UTC, as crontab reads them.

`croniter` does the arithmetic (standard crontab: weekday 0 and 7 are Sunday, which
APScheduler 3's from_crontab reads as Monday, hence not that). A period is one of the
expression's fire times; a schedule's due period is the latest one not after now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, croniter

from domain.errors import ErrorCode, Problems

FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_RANGES = ("0-59", "0-23", "1-31", "1-12 or JAN-DEC", "0-7, 0 and 7 being Sunday, or SUN-SAT")
# An expression whose fire times are further apart than this never fires in practice.
_MAX_YEARS_BETWEEN = 5


def check_cron(problems: Problems, field: str, expression: str | None) -> str:
    """The expression with its fields separated by single spaces; a problem (INVALID_CRON,
    naming the cron field at fault) when it is not five valid fields that ever fire."""
    parts = (expression or "").split()
    if len(parts) != len(FIELDS):
        problems.add(
            field,
            ErrorCode.INVALID_CRON,
            f"A cron expression has 5 fields (minute hour day-of-month month day-of-week, "
            f"in UTC), e.g. '0 9 1 * *'; got {len(parts)}.",
        )
        return " ".join(parts)
    for position, (name, value, span) in enumerate(zip(FIELDS, parts, _RANGES, strict=True)):
        alone = ["*"] * len(FIELDS)
        alone[position] = value
        if not croniter.is_valid(" ".join(alone)):
            problems.add(
                field,
                ErrorCode.INVALID_CRON,
                f"The {name} field {value[:20]!r} is not valid ({span}, '*', lists, ranges, "
                "steps).",
            )
            return " ".join(parts)
    normalised = " ".join(parts)
    if not croniter.is_valid(normalised) or next_after(normalised, datetime.now(UTC)) is None:
        problems.add(field, ErrorCode.INVALID_CRON, f"{normalised!r} never fires.")
    return normalised


def next_after(expression: str, moment: datetime) -> datetime | None:
    """The first fire time strictly after `moment` (None if there is none within years)."""
    return _fire_time(expression, moment, backwards=False)


def latest_until(expression: str, moment: datetime) -> datetime | None:
    """The last fire time at or before `moment` (None if there is none within years)."""
    # Fire times are whole minutes: the last one before the next second is at or before.
    start = moment.replace(microsecond=0) + timedelta(seconds=1)
    return _fire_time(expression, start, backwards=True)


def _fire_time(expression: str, start: datetime, backwards: bool) -> datetime | None:
    times = croniter(expression, start, max_years_between_matches=_MAX_YEARS_BETWEEN)
    try:
        found: datetime = times.get_prev(datetime) if backwards else times.get_next(datetime)
    except CroniterBadDateError:
        return None
    return found.astimezone(UTC)
