"""Checks on customer input: contact details, card codes, categories."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from domain.customers.models import CustomerFilter
from domain.errors import ErrorCode, Problems
from domain.limits import BALANCE_CEILING, MAX_JSON_DEPTH
from domain.validation import json_deeper_than, optional_text, parse_id

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{4,24}$")
_CARD = re.compile(r"^[A-Za-z0-9-]{3,64}$")
MAX_ATTRIBUTES_BYTES = 16_384


def clean_customer_fields(problems: Problems, values: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalised values for the customer fields present in `values`."""
    clean: dict[str, Any] = {}
    for name in ("external_ref", "first_name", "last_name"):
        if name in values:
            clean[name] = optional_text(problems, _api(name), values[name])
    if "email" in values:
        email = optional_text(problems, "email", values["email"])
        if email is not None and not _EMAIL.match(email):
            problems.add("email", ErrorCode.INVALID, "Not a valid email address.")
        clean["email"] = email.lower() if email else None
    if "phone" in values:
        phone = optional_text(problems, "phone", values["phone"])
        if phone is not None and not _PHONE.match(phone):
            problems.add("phone", ErrorCode.INVALID, "Not a valid phone number.")
        clean["phone"] = phone
    if "card_code" in values:
        card = optional_text(problems, "cardCode", values["card_code"])
        if card is not None and not _CARD.match(card):
            problems.add(
                "cardCode", ErrorCode.INVALID, "A card code is 3 to 64 letters, digits or dashes."
            )
        clean["card_code"] = card
    for name in ("consent_email", "consent_sms"):
        if name in values:
            if values[name] is None:
                problems.add(_api(name), ErrorCode.REQUIRED, "Give true or false.")
            clean[name] = bool(values[name])
    if "attributes" in values:
        clean["attributes"] = _attributes(problems, values["attributes"])
    return clean


def _attributes(problems: Problems, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add("attributes", ErrorCode.INVALID, "Attributes must be a JSON object.")
        return {}
    if json_deeper_than(value, MAX_JSON_DEPTH):
        problems.add(
            "attributes",
            ErrorCode.OUT_OF_RANGE,
            f"Attributes nest at most {MAX_JSON_DEPTH} levels deep.",
        )
        return {}
    if len(orjson.dumps(value)) > MAX_ATTRIBUTES_BYTES:
        problems.add(
            "attributes",
            ErrorCode.OUT_OF_RANGE,
            f"Attributes take at most {MAX_ATTRIBUTES_BYTES} bytes as JSON.",
        )
    return value


def _api(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def parse_multiplier(problems: Problems, field: str, raw: Decimal | str | None) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        problems.add(field, ErrorCode.INVALID, "A multiplier is a decimal number like 1.5.")
        return Decimal(1)
    if not value.is_finite() or value <= 0 or value > 100:
        problems.add(field, ErrorCode.OUT_OF_RANGE, "A multiplier is above 0 and at most 100.")
    elif value != value.quantize(Decimal("0.0001")):
        problems.add(field, ErrorCode.INVALID, "A multiplier has at most 4 decimal places.")
    return value


def filter_criteria(problems: Problems, f: CustomerFilter, prefix: str) -> dict[str, Any]:
    """A customer filter's values, checked, as keyword arguments for filter_conditions."""
    for bound in ("min_balance", "max_balance"):
        value = getattr(f, bound)
        if value is not None and not 0 <= value <= BALANCE_CEILING:
            problems.add(
                f"{prefix}.{_api(bound)}",
                ErrorCode.OUT_OF_RANGE,
                f"A balance is between 0 and {BALANCE_CEILING}.",
            )
    search = optional_text(problems, f"{prefix}.search", f.search, 100)
    return {
        "category_id": parse_id(problems, f"{prefix}.categoryId", f.category_id)
        if f.category_id is not None
        else None,
        "min_balance": f.min_balance,
        "max_balance": f.max_balance,
        "search": search,
        "ids": [parse_id(problems, f"{prefix}.ids.{i}", raw) for i, raw in enumerate(f.ids)],
    }
