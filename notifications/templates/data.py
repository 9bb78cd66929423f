"""What a message is rendered from: `MessageData`, typed, built by the caller from its own
rows (never ORM objects), and turned into the plain dict a template sees.

A field left as None is not in the template's context at all: a shortcode or variable that
needs it fails with UNDEFINED (a template can test `{% if badge is defined %}`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from notifications.templates.formatting import major_units
from notifications.templates.shortcodes import SHORTCODES


@dataclass(frozen=True, kw_only=True)
class MessageData:
    """One message's facts. Points are integers; money is integer minor units in `currency`
    (ISO 4217); moments are timezone-aware datetimes (shown as dates in `time_zone`, the
    customer's IANA zone) or plain dates (shown as they are)."""

    first_name: str
    last_name: str | None = None
    points: int | None = None
    points_earned: int | None = None
    points_spent: int | None = None
    points_expiring: int | None = None
    expiry_date: date | None = None
    tier: str | None = None
    badge: str | None = None
    next_badge: str | None = None
    next_badge_points: int | None = None
    threshold: int | None = None
    voucher_code: str | None = None
    voucher_value_minor: int | None = None
    voucher_expiry_date: date | None = None
    reward_name: str | None = None
    reward_link: str | None = None
    unsubscribe_link: str | None = None
    shop_name: str | None = None
    currency: str = "EUR"
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        # The types are the contract: an ORM row or a lazy loader never reaches a template.
        # (Every message makes one: the exact plain types pass without further checks.)
        for name, value in self.__dict__.items():
            if value is None or type(value) in _EXACTLY_PLAIN:
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | date):
                raise TypeError(f"MessageData.{name} must be plain data, not {value!r}")
            if isinstance(value, datetime) and value.tzinfo is None:
                raise ValueError(f"MessageData.{name} must be timezone-aware")


_EXACTLY_PLAIN = frozenset({str, int, date})


# Fields that are not variables of their own: they say how to format the others.
_SETTINGS = {"currency", "time_zone"}
# MessageData's fields' names, listed once (dataclasses.fields builds them on every call,
# and every message checks and reads them).
_FIELD_NAMES = tuple(f.name for f in fields(MessageData))


def template_context(data: MessageData) -> dict[str, object]:
    """The variables a template sees: one per shortcode with a value (money in major units,
    a `Decimal`), plus `currency`."""
    context: dict[str, object] = {"currency": data.currency}
    for name in _FIELD_NAMES:
        value = getattr(data, name)
        if value is None or name in _SETTINGS:
            continue
        if name.endswith("_minor"):
            context[name.removesuffix("_minor")] = major_units(value, data.currency)
        else:
            context[name] = value
    return context


# Every variable a template may name: each shortcode's, plus the settings shown as is.
VARIABLES = frozenset(SHORTCODES) | {"currency"}
