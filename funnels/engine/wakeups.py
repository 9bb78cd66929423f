"""When a wait ends, per customer: the rules in one place (the engine and the dry run both
ask here).

- a duration: that long after the customer arrived at the wait;
- a time of day: the next time the customer's clock shows it (their time zone, else UTC),
  today if it is still ahead, else tomorrow; a local time that does not exist that day (a
  spring-forward gap) is taken as the wall clock reads it after the jump;
- a date of the customer's (`birthDate` or a `YYYY-MM-DD` custom attribute): the start of
  its next anniversary in the customer's zone (today's counts when the customer arrives
  that day), strictly after the anniversary the same wait last ended on for them: a loop
  back to the wait on the birthday itself waits for the next birthday, so one anniversary
  ends the wait once; 29 February is kept on 28 February in other years. A customer
  without the date has no wake-up time: the wait cannot end, so the enrollment fails with
  `NO_DATE` rather than wait forever;
- an event, or its timeout: the timeout's end (the event, when it comes first, moves the
  enrollment on earlier)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.customers.models import Customer
from funnels.definitions.steps import Delay, UntilDate, UntilEvent, UntilTimeOfDay, WaitCondition


def wake_at(
    until: WaitCondition,
    customer: Customer | None,
    arrived: datetime,
    last_woke: datetime | None = None,
) -> datetime | None:
    """When a wait that the customer reached at `arrived` ends (None: never). `last_woke`:
    when the same wait last ended for them (an enrollment back at it through a loop): a wait
    until a date then ends on a later anniversary than the one it ended on."""
    if isinstance(until, Delay):
        return arrived + until.duration.length
    if isinstance(until, UntilEvent):
        return arrived + until.timeout.length
    zone = zone_of(customer)
    if isinstance(until, UntilTimeOfDay):
        return next_time_of_day(until.at, zone, arrived)
    assert isinstance(until, UntilDate)
    known = date_of(customer, until.attribute)
    if known is None:
        return None
    after = last_woke.astimezone(zone).date() if last_woke is not None else None
    return next_anniversary(known, zone, arrived, after)


def zone_of(customer: Customer | None) -> ZoneInfo:
    if customer is not None and customer.time_zone:
        try:
            return ZoneInfo(customer.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def next_time_of_day(at: time, zone: ZoneInfo, now: datetime) -> datetime:
    local_now = now.astimezone(zone)
    for days in (0, 1, 2):
        day = local_now.date() + timedelta(days=days)
        candidate = _local(day, at, zone)
        if candidate > now:
            return candidate
    raise AssertionError("a time of day always comes within two days")


def next_anniversary(
    known: date, zone: ZoneInfo, now: datetime, after: date | None = None
) -> datetime:
    """The start of the first anniversary of `known` in `zone` that is today or later and,
    with `after` (the day of the anniversary the wait last ended on), later than it; `now`
    when that is today (the wait ends at once)."""
    today = now.astimezone(zone).date()
    for year in (today.year, today.year + 1, today.year + 2):
        day = _in_year(known, year)
        if day >= today and (after is None or day > after):
            return max(_local(day, time(0, 0), zone), now)
    raise AssertionError("an anniversary always comes within two years")


def date_of(customer: Customer | None, attribute: str) -> date | None:
    if customer is None:
        return None
    if attribute == "birthDate":
        return customer.birth_date
    value = customer.attributes.get(attribute.removeprefix("attributes."))
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _in_year(known: date, year: int) -> date:
    try:
        return known.replace(year=year)
    except ValueError:  # 29 February in a year that has none
        return date(year, 2, 28)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    # fold=0 then normalised through UTC: a time in a spring-forward gap comes out after the
    # jump, an ambiguous one at its first occurrence.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
