"""Checks on customer input: contact details, card codes, categories."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

import orjson
import phonenumbers
from babel import Locale, UnknownLocaleError
from sqlalchemy.exc import IntegrityError

from domain.customers.models import CustomerFilter
from domain.data_requests.parts import ERASED
from domain.errors import DomainError, ErrorCode, Problems
from domain.limits import BALANCE_CEILING, MAX_JSON_DEPTH, MAX_JSON_INTEGER
from domain.uow import violated_constraint
from domain.validation import (
    email_address,
    json_deeper_than,
    json_number_unfit,
    optional_text,
    parse_id,
)

# A BCP 47 tag's shape (language, then subtags), checked before CLDR is asked about it.
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")
_LOCALE_MAX_LENGTH = 35
_TIME_ZONE_MAX_LENGTH = 64
_PHONE_MAX_LENGTH = 40
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
_CARD = re.compile(r"^[A-Za-z0-9-]{3,64}$")
MAX_ATTRIBUTES_BYTES = 16_384
# An erased customer's reference is erased:<id> (data_requests.parts): no other may take it.
_ERASED_REF = f"{ERASED}:"

# The unique fields of customers and categories: the field a violation names, and why.
_UNIQUE_FIELDS = {
    "uq_customers_external_ref": ("externalRef", "Another customer has this external reference."),
    "uq_point_categories_name": ("name", "A category with this name exists."),
}


def duplicate(error: IntegrityError) -> DomainError:
    """DUPLICATE on the field whose unique constraint a write violated; any other
    violation is raised again as it is (a key taken, a bug)."""
    name = violated_constraint(error)
    if name not in _UNIQUE_FIELDS:
        raise error
    field, message = _UNIQUE_FIELDS[name]
    return DomainError.one(field, ErrorCode.DUPLICATE, message)


def clean_customer_fields(
    problems: Problems, values: dict[str, Any], phone_region: str | None = None
) -> dict[str, Any]:
    """Validated, normalised values for the customer fields present in `values`. A phone
    in national format is read in the country of the locale given beside it, else in
    `phone_region` (the country of the customer's stored locale)."""
    clean: dict[str, Any] = {}
    for name in ("external_ref", "first_name", "last_name"):
        if name in values:
            clean[name] = optional_text(problems, _api(name), values[name])
    if (clean.get("external_ref") or "").startswith(_ERASED_REF):
        problems.add(
            "externalRef",
            ErrorCode.INVALID,
            f"References starting with {_ERASED_REF} are kept for erased customers.",
        )
    if "email" in values:
        email = optional_text(problems, "email", values["email"])
        if email is not None:
            email = email_address(problems, "email", email)
        clean["email"] = email.lower() if email else None
    if "locale" in values:
        clean["locale"] = parse_locale(problems, "locale", values["locale"])
    if "time_zone" in values:
        clean["time_zone"] = parse_time_zone(problems, "timeZone", values["time_zone"])
    if "birth_date" in values:
        clean["birth_date"] = check_birth_date(problems, "birthDate", values["birth_date"])
    if "phone" in values:
        if clean.get("locale") is not None:
            phone_region = locale_region(clean["locale"])
        clean["phone"] = parse_phone(problems, "phone", values["phone"], phone_region)
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


def parse_locale(problems: Problems, field: str, value: str | None) -> str | None:
    """A BCP 47 language tag known to CLDR in its canonical form (it-it -> it-IT, zh-hant-tw
    -> zh-Hant-TW), None when blank; INVALID when unknown or malformed."""
    text = optional_text(problems, field, value, _LOCALE_MAX_LENGTH)
    if text is None or len(text) > _LOCALE_MAX_LENGTH:
        return None
    canonical = canonical_locale(text)
    if canonical is None:
        problems.add(
            field, ErrorCode.INVALID, "Not a known locale: give a BCP 47 tag such as it-IT or en."
        )
    return canonical


# Tags are few and asked again and again (a bulk import asks a million times); CLDR's
# answer for a tag never changes while the process runs.
@lru_cache(maxsize=4096)
def canonical_locale(text: str) -> str | None:
    """The canonical form of a tag CLDR knows, as customers' locales are stored (zh-tw ->
    zh-Hant-TW, sr-RS -> sr-Cyrl-RS), else None."""
    if not _LOCALE.match(text):
        return None
    try:
        locale = Locale.parse(text, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    # CLDR's likely subtags turn a tag like `und` into another language: refuse that.
    if locale.language != text.split("-", 1)[0].lower():
        return None
    parts = [locale.language, locale.script, locale.territory, locale.variant]
    return "-".join(part for part in parts if part)


def locale_region(locale: str | None) -> str | None:
    """The country of a canonical locale (it-IT -> IT), if it names one."""
    if locale is None:
        return None
    for part in locale.split("-")[1:]:
        if len(part) == 2 and part.isalpha() and part.isupper():
            return part
    return None


@cache
def _time_zones() -> dict[str, str]:
    """The IANA zone names, by their lower case (read once: it walks the zone files)."""
    names = (
        name
        for name in zoneinfo.available_timezones()
        if name not in {"localtime", "Factory", "posixrules"}
        and not name.startswith(("posix/", "right/"))
    )
    return {name.lower(): name for name in names}


def parse_time_zone(problems: Problems, field: str, value: str | None) -> str | None:
    """An IANA time zone name as IANA spells it (europe/rome -> Europe/Rome), None when
    blank; INVALID for anything else (offsets like +02:00, abbreviations like CEST)."""
    text = optional_text(problems, field, value, _TIME_ZONE_MAX_LENGTH)
    if text is None or len(text) > _TIME_ZONE_MAX_LENGTH:
        return None
    name = _time_zones().get(text.lower())
    if name is None:
        problems.add(
            field, ErrorCode.INVALID, "Not an IANA time zone: give a name such as Europe/Rome."
        )
    return name


def check_birth_date(problems: Problems, field: str, value: date | str | None) -> date | None:
    """A birth date from 1900-01-01 to today (UTC), else OUT_OF_RANGE."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            problems.add(field, ErrorCode.INVALID, "A date is YYYY-MM-DD.")
            return None
    if isinstance(value, datetime) or not isinstance(value, date):
        problems.add(field, ErrorCode.INVALID, "A date is YYYY-MM-DD.")
        return None
    today = datetime.now(UTC).date()
    if not EARLIEST_BIRTH_DATE <= value <= today:
        problems.add(
            field,
            ErrorCode.OUT_OF_RANGE,
            f"A birth date is from {EARLIEST_BIRTH_DATE.isoformat()} to today.",
        )
    return value


def parse_phone(
    problems: Problems, field: str, value: str | None, region: str | None
) -> str | None:
    """A phone number in E.164 (+393401234567), None when blank. International format
    (+39 340 123 4567, 0039...) is read as it is, whatever `region`; national format
    (340 123 4567) only when `region` (a country: IT) says where. INVALID when it is not a
    number that can exist."""
    text = optional_text(problems, field, value, _PHONE_MAX_LENGTH)
    if text is None or len(text) > _PHONE_MAX_LENGTH:
        return None
    if text.startswith("00"):
        # The international prefix most of the world dials, read as such whatever the
        # region: phonenumbers takes it only from regions that dial it (the US dials 011).
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            why = (
                "Not a phone number we can place: give it in international format "
                "(+39 340 123 4567), or set the customer's locale with a country (it-IT) "
                "to give it in national format."
            )
        else:
            why = "Not a phone number: give it in international format (+39 340 123 4567)."
        problems.add(field, ErrorCode.INVALID, why)
        return None
    if number.extension:
        problems.add(field, ErrorCode.INVALID, "A phone for messages has no extension.")
        return None
    if not phonenumbers.is_valid_number(number):
        country = phonenumbers.region_code_for_number(number) or f"+{number.country_code}"
        problems.add(
            field,
            ErrorCode.INVALID,
            f"Not a valid phone number for {country}: check the digits and the country code.",
        )
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
    unfit = json_number_unfit(value, MAX_JSON_INTEGER)
    if unfit is not None:
        where = ".".join(str(part) for part in unfit)[:100]
        problems.add(
            "attributes",
            ErrorCode.INVALID,
            f"{where}: numbers in attributes are finite, and whole ones at most "
            f"{MAX_JSON_INTEGER:,} in size (a signed 64-bit integer).",
        )
        return {}
    # Only now can orjson measure it: it raises on a whole number beyond 64 bits.
    if len(orjson.dumps(value)) > MAX_ATTRIBUTES_BYTES:
        problems.add(
            "attributes",
            ErrorCode.OUT_OF_RANGE,
            f"Attributes take at most {MAX_ATTRIBUTES_BYTES} bytes as JSON.",
        )
    return value


@cache
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
