"""Birthday conditions in SQL, on the customer's own calendar day.

"Today" is the date in the customer's time zone (customers.time_zone) at the evaluation's
`now`, or in the program's default zone for a customer without one. The rule for 29
February: in a year without that day the birthday falls on 28 February (the day before
the missing one, as most civil registries and loyalty programs count it), so such a
customer is matched exactly once a year. Everything is plain date arithmetic on columns,
evaluated by PostgreSQL for every customer at once; no date is built that may not exist
(make_date(y, 2, 29) is only reached in a leap year)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
)
from sqlalchemy.sql.elements import ColumnElement

from funnels.segments.model import Birthday


def _leap(year: ColumnElement[int]) -> ColumnElement[bool]:
    return or_(and_(year % 4 == 0, year % 100 != 0), year % 400 == 0)


def _year(day: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(extract("year", day), Integer)


def _observed(birth: ColumnElement[Any], year: ColumnElement[int]) -> ColumnElement[Any]:
    """The day the birthday falls on in `year` (28 February for 29 February when `year`
    is not a leap year)."""
    month, day = cast(extract("month", birth), Integer), cast(extract("day", birth), Integer)
    return case(
        (and_(month == 2, day == 29, ~_leap(year)), func.make_date(year, 2, 28)),
        else_=func.make_date(year, month, day),
    )


def _falls_on(birth: ColumnElement[Any], day: ColumnElement[Any]) -> ColumnElement[bool]:
    """Whether the birthday falls on the date `day`."""
    month_of, day_of = cast(extract("month", day), Integer), cast(extract("day", day), Integer)
    b_month, b_day = cast(extract("month", birth), Integer), cast(extract("day", birth), Integer)
    return or_(
        and_(b_month == month_of, b_day == day_of),
        and_(b_month == 2, b_day == 29, month_of == 2, day_of == 28, ~_leap(_year(day))),
    )


def birthday_condition(
    condition: Birthday,
    birth_date: ColumnElement[Any],
    time_zone: ColumnElement[str | None],
    now: datetime,
    default_time_zone: str,
) -> ColumnElement[bool]:
    """The condition on a customer's birth date and time zone (columns of the enclosing
    query); a customer without a birth date never matches."""
    zone = func.coalesce(time_zone, literal(default_time_zone))
    today = cast(func.timezone(zone, literal(now, DateTime(timezone=True))), Date)
    match condition.kind:
        case "thisMonth":
            found = extract("month", birth_date) == extract("month", today)
        case "today":
            found = _falls_on(birth_date, today)
        case "inDays":
            found = _falls_on(birth_date, today + condition.days)
        case "withinDays":
            last = today + condition.days
            # The window spans at most 366 days, so this year's or next year's birthday.
            found = or_(
                _observed(birth_date, _year(today)).between(today, last),
                _observed(birth_date, _year(today) + 1).between(today, last),
            )
    return and_(birth_date.is_not(None), found)
