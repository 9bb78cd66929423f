"""Numbers, dates and money in the customer's locale (Babel), as the filters `number`, `date`
and `money` that shortcodes expand to and marketers may write themselves.

The locale, time zone and currency are those of the message being rendered: `rendering`
sets them for the duration of one render (a context variable, so renders in other threads
or tasks never see each other's)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, get_currency_precision
from jinja2 import Undefined

from notifications.templates.errors import RenderFailedError


@dataclass(frozen=True)
class Formats:
    locale: Locale
    time_zone: ZoneInfo
    currency: str


CURRENT_FORMATS: ContextVar[Formats] = ContextVar("template_formats")


def major_units(amount_minor: int, currency: str) -> Decimal:
    """`1250` EUR -> `Decimal('12.50')`; `1250` JPY -> `Decimal('1250')`."""
    return Decimal(amount_minor).scaleb(-get_currency_precision(currency))


def _defined(value: object) -> None:
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined: raises UndefinedError, naming the missing variable


def _number(value: object) -> Decimal | int | float:
    _defined(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise RenderFailedError(f"{value!r} is not a number")
    return value


def number(value: object) -> str:
    """`1234` -> `1,234` (en-US), `1.234` (it-IT, de-DE)."""
    return format_decimal(_number(value), locale=CURRENT_FORMATS.get().locale)


def money(value: object, currency: str | None = None) -> str:
    """An amount in major units (`Decimal('12.50')`) in the message's currency, or the one
    given: `€12.50` (en-US), `12,50 €` (it-IT, with a no-break space)."""
    formats = CURRENT_FORMATS.get()
    return format_currency(_number(value), currency or formats.currency, locale=formats.locale)


def date_(value: object, format: str = "medium") -> str:
    """A date (as is) or an aware datetime (as a date in the customer's time zone), in
    Babel's `short`, `medium` (default), `long` or `full` format: `Jan 31, 2027` (en-US),
    `31 gen 2027` (it-IT), `31.01.2027` (de-DE)."""
    formats = CURRENT_FORMATS.get()
    if format not in {"short", "medium", "long", "full"}:
        raise RenderFailedError("a date's format is short, medium, long or full")
    _defined(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise RenderFailedError("a time without a time zone cannot be shown as a date")
        value = value.astimezone(formats.time_zone).date()
    if not isinstance(value, date):
        raise RenderFailedError(f"{value!r} is not a date")
    return format_date(value, format=format, locale=formats.locale)


FILTERS = {"number": number, "money": money, "date": date_}
