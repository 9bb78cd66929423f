"""When a wait ends, per customer: the rules in one place (the engine and the dry run both
ask here).

- a duration: that long after the customer arrived at the wait;
- a time of day: the next time the customer's clock shows it (their time zone, else UTC),
  today if it is still ahead, else tomorrow; a local time that does not exist that day (a
  spring-forward gap) is taken as the wall clock reads it after the jump;
- a date of the customer's (`birthDate` or a `YYYY-MM-DD` custom attribute): the start of
  its next anniversary in the customer's zone (today's counts when the customer arrives
  that day); 29 February is kept on 28 February in other years. A customer without the
  date has no wake-up time: the wait cannot end, so the enrollment fails with
  `NO_DATE` rather than wait forever;
- an event, or its timeout: the timeout's end (the event, when it comes first, moves the
  enrollment on earlier)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.customers.models import Customer
from funnels.definitions.steps import Delay, UntilDate, UntilEvent, UntilTimeOfDay, WaitCondition


def wake_at(until: WaitCondition, customer: Customer | None, arrived: datetime) -> datetime | None:
    """When a wait that the customer reached at `arrived` ends (None: never)."""
    if isinstance(until, Delay):
        return arrived + until.duration.length
    if isinstance(until, UntilEvent):
        return arrived + until.timeout.length
    zone = zone_of(customer)
    if isinstance(until, UntilTimeOfDay):
        return next_time_of_day(until.at, zone, arrived)
    assert isinstance(until, UntilDate)
    known = date_of(customer, until.attribute)
    return None if known is None else next_anniversary(known, zone, arrived)


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


def next_anniversary(known: date, zone: ZoneInfo, now: datetime) -> datetime:
    today = now.astimezone(zone).date()
    for year in (today.year, today.year + 1):
        day = _in_year(known, year)
        if day >= today:
            return max(_local(day, time(0, 0), zone), now)
    raise AssertionError("an anniversary always comes within a year")


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
