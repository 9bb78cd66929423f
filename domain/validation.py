"""Input checks shared by services; each adds a problem naming the field at fault."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from domain.errors import ErrorCode, Problems
from domain.limits import (
    EARLIEST_MOMENT,
    LATEST_MOMENT,
    MAX_LINE_QUANTITY,
    MAX_MONEY_MINOR,
    MAX_NOTE_LENGTH,
    MAX_ORDER_LINES,
    MAX_POINTS_PER_OPERATION,
    MAX_TEXT_LENGTH,
)


def parse_id(problems: Problems, field: str, raw: str | int | None) -> int:
    """A database id from an API id string; 0 (and a problem) when it is malformed."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        problems.add(field, ErrorCode.REQUIRED, "An id is required.")
        return 0
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18 or int(text) <= 0:
        problems.add(field, ErrorCode.INVALID, f"{text[:40]!r} is not a valid id.")
        return 0
    return int(text)


def check_points(problems: Problems, field: str, points: int, *, signed: bool) -> None:
    if isinstance(points, bool) or not isinstance(points, int):
        problems.add(field, ErrorCode.INVALID, "Points must be a whole number.")
    elif points == 0:
        problems.add(field, ErrorCode.INVALID, "Points must not be zero.")
    elif not signed and points < 0:
        problems.add(field, ErrorCode.INVALID, "Points must be positive.")
    elif abs(points) > MAX_POINTS_PER_OPERATION:
        problems.add(
            field,
            ErrorCode.OUT_OF_RANGE,
            f"At most {MAX_POINTS_PER_OPERATION} points can move in one operation.",
        )


def required_text(
    problems: Problems, field: str, value: str | None, max_length: int = MAX_TEXT_LENGTH
) -> str:
    """The stripped value; a problem when it is missing, blank or too long."""
    stripped = (value or "").strip()
    if not stripped:
        problems.add(field, ErrorCode.REQUIRED, f"{field} is required.")
    elif len(stripped) > max_length:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {max_length} characters.")
    return stripped


def optional_text(
    problems: Problems, field: str, value: str | None, max_length: int = MAX_TEXT_LENGTH
) -> str | None:
    """The stripped value, None when blank; a problem when too long."""
    if value is None:
        return None
    stripped = value.strip()
    if len(stripped) > max_length:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {max_length} characters.")
    return stripped or None


# RFC 5321's limit on a forward path's mailbox.
MAX_EMAIL_LENGTH = 254


# email-validator's options for a customer's mailbox (see email_address).
_EMAIL_RULES: dict[str, Any] = {
    "check_deliverability": False,
    "allow_quoted_local": False,
    "allow_display_name": False,
    "allow_domain_literal": False,
}
# The common address, an ASCII dot-atom before the @-sign, which email-validator takes as it
# is (but for the mailbox names it lower-cases, such as postmaster): checked here, and its
# domain by the library once per domain. A bulk import checks a million addresses of a few
# thousand domains, and the domain's checks (IDNA, special-use names) are two thirds of the
# library's time; tests/domain/test_email_address.py holds the two ways equal.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*\Z")
_MAX_LOCAL_LENGTH = 64


def email_address(problems: Problems, field: str, value: str) -> str | None:
    """One mailbox address as `email-validator` reads it (RFC 5322 syntax, internationalised
    domains), with nothing a mail header could take for a second recipient: no display name,
    no list, no quoted local part. Its domain normalised; None and INVALID on `field` with
    the reason otherwise."""
    if len(value) > MAX_EMAIL_LENGTH:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {MAX_EMAIL_LENGTH} characters.")
        return None
    local, at, domain = value.rpartition("@")
    if (
        at
        and len(local) <= _MAX_LOCAL_LENGTH
        and _PLAIN_LOCAL.match(local)
        and local.lower() not in CASE_INSENSITIVE_MAILBOX_NAMES
        and (checked_domain := _checked_domain(domain)) is not None
        and checked_domain.isascii()
        and len(local) + 1 + len(checked_domain) <= MAX_EMAIL_LENGTH
    ):
        return f"{local}@{checked_domain}"
    try:
        checked = validate_email(value, **_EMAIL_RULES)
    except EmailNotValidError as error:
        problems.add(field, ErrorCode.INVALID, f"Not a valid email address: {error}")
        return None
    return str(checked.normalized)


@lru_cache(maxsize=65_536)
def _checked_domain(domain: str) -> str | None:
    """The domain as email-validator normalises it, None when the library refuses it (the
    whole address is then given to the library, for its reason)."""
    try:
        return str(validate_email(f"mailbox@{domain}", **_EMAIL_RULES).domain)
    except EmailNotValidError:
        return None


def note_text(problems: Problems, field: str, value: str | None) -> str:
    return required_text(problems, field, value, MAX_NOTE_LENGTH)


def json_deeper_than(value: Any, max_depth: int) -> bool:
    """Whether a JSON value nests objects and arrays deeper than `max_depth` (an object
    holding only scalars is 1 deep). Iterative, and it never looks below the limit."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            if depth >= max_depth:
                return True
            stack.extend((child, depth + 1) for child in children)
    return False


def json_number_unfit(value: Any, max_integer: int) -> tuple[str | int, ...] | None:
    """The path to the first number in a JSON value that cannot be stored and read back (a
    float that is not finite, a whole number beyond ±max_integer), None when every one can.
    Iterative; give it values whose depth is bounded already."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            stack.extend((child, (*path, key)) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, (*path, i)) for i, child in enumerate(item))
        elif isinstance(item, float):
            if not math.isfinite(item):
                return path
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > max_integer:
            return path
    return None


def moment_out_of_range(moment: datetime) -> str | None:
    """Why a time cannot be taken (outside EARLIEST_MOMENT to LATEST_MOMENT in UTC; a time
    without an offset is read as UTC here), or None when it can."""
    try:
        utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is in year 0 in UTC
        utc = None
    if utc is None or not EARLIEST_MOMENT <= utc < LATEST_MOMENT:
        return (
            f"A time must fall from {EARLIEST_MOMENT:%Y-%m-%d} to before "
            f"{LATEST_MOMENT:%Y-%m-%d} (UTC)."
        )
    return None


def check_moment(problems: Problems, field: str, moment: datetime | None) -> None:
    """An OUT_OF_RANGE problem on `field` when the time is outside the range every stored or
    compared time must fall in (moment_out_of_range)."""
    if moment is not None and (why := moment_out_of_range(moment)) is not None:
        problems.add(field, ErrorCode.OUT_OF_RANGE, why)


def check_window(
    problems: Problems,
    start: tuple[str, datetime | None],
    end: tuple[str, datetime | None],
) -> None:
    """A validity window of two optional times (start inclusive, end exclusive): each given
    time must carry its UTC offset, and when both are given the end comes after the start."""
    (start_field, start_at), (end_field, end_at) = start, end
    for field, moment in (start, end):
        if moment is not None and moment.tzinfo is None:
            problems.add(field, ErrorCode.INVALID, "Give a time with its UTC offset.")
        check_moment(problems, field, moment)
    if (
        start_at is not None
        and end_at is not None
        and start_at.tzinfo is not None
        and end_at.tzinfo is not None
        and end_at <= start_at
    ):
        problems.add(end_field, ErrorCode.INVALID, f"{end_field} must come after {start_field}.")


class LineItem(Protocol):
    """A line of an order or a cart, as both are checked."""

    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_price_minor(self) -> int: ...
    @property
    def product_line(self) -> str | None: ...
    @property
    def amount_minor(self) -> int: ...


L = TypeVar("L", bound=LineItem)


def check_line_items(problems: Problems, field: str, lines: Sequence[L], noun: str) -> list[L]:
    """The lines of an order or a cart (`noun`), cleaned; a problem for each bad one named
    `<field>.<i>.<input>`: at least one line and at most MAX_ORDER_LINES, a SKU, a
    quantity of 1 to MAX_LINE_QUANTITY, a unit price of 0 to MAX_MONEY_MINOR, a total
    within MAX_MONEY_MINOR."""
    if not lines:
        problems.add(field, ErrorCode.REQUIRED, f"{noun.capitalize()} has at least one line.")
    if len(lines) > MAX_ORDER_LINES:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {MAX_ORDER_LINES} lines.")
        return []
    clean: list[L] = []
    for i, line in enumerate(lines):
        sku = required_text(problems, f"{field}.{i}.sku", line.sku, 100)
        if not 0 < line.quantity <= MAX_LINE_QUANTITY:
            problems.add(
                f"{field}.{i}.quantity",
                ErrorCode.OUT_OF_RANGE,
                f"A quantity is 1 to {MAX_LINE_QUANTITY}.",
            )
        if not 0 <= line.unit_price_minor <= MAX_MONEY_MINOR:
            problems.add(
                f"{field}.{i}.unitPriceMinor",
                ErrorCode.OUT_OF_RANGE,
                f"A unit price is 0 to {MAX_MONEY_MINOR} minor units.",
            )
        product_line = optional_text(problems, f"{field}.{i}.productLine", line.product_line, 100)
        clean.append(replace(line, sku=sku, product_line=product_line))  # type: ignore[type-var]
    if not problems.items and sum(ln.amount_minor for ln in clean) > MAX_MONEY_MINOR:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"The {noun.split()[-1]} total is too large.")
    return clean
