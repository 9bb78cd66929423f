"""What a platform's delivery asks of Tessera, whatever the platform: an order to record (at
a status), to refund whole or by lines, a customer to register or update, or nothing. The
platforms' readers (woocommerce.py, shopify.py, dolibarr.py) make one from a payload, or
raise PayloadError naming what is wrong; applying it is apply.py's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from babel.numbers import get_currency_precision, list_currencies

from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.validation import RefundLine


class PayloadError(Exception):
    """The payload is not what the platform documents: `reason` names the field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Action(StrEnum):
    RECORD = "RECORD"  # record the order (or its later status)
    REFUND = "REFUND"  # refund everything not refunded yet (refund_lines empty) or lines
    CUSTOMER = "CUSTOMER"  # register or update the customer
    IGNORE = "IGNORE"  # nothing to do (the reason says why)


_CURRENCIES = frozenset(list_currencies())
# Bounds checked before any arithmetic (Decimal.adjusted: the exponent of the leading digit,
# read without rounding): beyond them a value is no order's (the purchases' own limits,
# domain/validation.py, are far below), and arithmetic on it could overflow the context.
_MAX_DIGITS = 15
_MAX_QUANTITY = Decimal(10) ** 9

# What a platform's status may map to: a purchase status, a whole refund, or nothing.
MAPPED = ("CREATED", "PAID", "COMPLETED", "REFUND", "IGNORE")


@dataclass(frozen=True)
class PlatformCustomer:
    """A customer as the platform knows them: its id there (None for a guest), email, name
    and phone as given."""

    platform_id: str | None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Change:
    action: Action
    topic: str
    order_id: str | None = None
    status: PurchaseStatus | None = None
    lines: list[Line] = field(default_factory=list)
    occurred_at: datetime | None = None
    customer: PlatformCustomer | None = None
    refund_lines: list[RefundLine] = field(default_factory=list)
    # The platform's own id of a refund (its idempotency), when it has one.
    refund_id: str | None = None
    reason: str = ""


def mapped_status(
    defaults: Mapping[str, str], overrides: Mapping[str, str], platform_status: str
) -> str:
    """What the shop maps the platform's status to (its overrides over the platform's
    defaults); IGNORE for a status neither knows."""
    return overrides.get(platform_status) or defaults.get(platform_status) or "IGNORE"


def minor_units(value: Any, currency: str, where: str) -> int:
    """A decimal amount ("12.50", 12.5) in the currency's minor units, rounded half up."""
    if currency not in _CURRENCIES:
        raise PayloadError(f"{where}: unknown currency {currency!r}.")
    places = get_currency_precision(currency)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PayloadError(f"{where}: {value!r} is not an amount.") from None
    if not amount.is_finite() or amount.adjusted() >= _MAX_DIGITS:
        raise PayloadError(f"{where}: {value!r} is not an amount Tessera can hold.")
    return int((amount * 10**places).quantize(Decimal("1"), ROUND_HALF_UP))


def unit_price(total_minor: int, quantity: int) -> int:
    """A line's unit price from its total after discounts: divided by the quantity, rounded
    half up to the minor unit."""
    return int((Decimal(total_minor) / quantity).quantize(Decimal("1"), ROUND_HALF_UP))


def moment(value: Any, where: str, *, naive_is_utc: bool = True) -> datetime:
    """An ISO 8601 time (or epoch seconds) as an aware UTC datetime."""
    if isinstance(value, bool):
        raise PayloadError(f"{where}: {value!r} is not a time.")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise PayloadError(f"{where}: {value!r} is not a time.") from None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: {value!r} is not a time.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not an ISO 8601 time.") from None
    if parsed.tzinfo is None:
        if not naive_is_utc:
            raise PayloadError(f"{where}: {value!r} has no time zone.")
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise PayloadError(f"{where}: {value!r} is out of range.") from None


def text_of(value: Any, where: str, *, required: bool = True) -> str | None:
    """A string or number as text (ids come as either); None or "" when absent and not
    required."""
    if value is None or value == "":
        if required:
            raise PayloadError(f"{where} is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(f"{where}: {value!r} is not a text or an id.")
    return str(value)


def quantity_of(value: Any, where: str) -> int:
    """A positive whole quantity (platforms send 2 or "2" or 2.0)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PayloadError(f"{where}: {value!r} is not a quantity.") from None
    if (
        not number.is_finite()
        or number.adjusted() >= _MAX_DIGITS
        or number <= 0
        or number > _MAX_QUANTITY
        or number != number.to_integral_value()
    ):
        raise PayloadError(f"{where}: {value!r} is not a positive whole quantity.")
    return int(number)


def object_at(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be an object.")
    return value


def list_at(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError(f"{where} must be a list.")
    return value
