"""Given customer input, when it is checked, then locales, time zones, birth dates and phones
come out canonical (it-IT, Europe/Rome, E.164) or as a user error naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.customers.validation import clean_customer_fields, locale_region
from domain.errors import Problems


def clean(values: dict[str, Any], region: str | None = None) -> tuple[dict[str, Any], list[Any]]:
    problems = Problems()
    result = clean_customer_fields(problems, values, region)
    return result, [(p.field, p.code.value) for p in problems.items]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("it-IT", "it-IT"),
        ("it-it", "it-IT"),
        (" en ", "en"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("sr-Latn", "sr-Latn"),
        ("pt-BR", "pt-BR"),
        ("", None),
    ],
)
def test_a_known_locale_is_stored_in_its_canonical_bcp_47_form(given: str, stored: str) -> None:
    assert clean({"locale": given}) == ({"locale": stored}, [])


@pytest.mark.parametrize(
    "given",
    [
        "xx-YY",
        "it-XX",
        "it_IT",
        "und",
        "klingon",
        "../../etc/passwd",
        "it-IT\x00",
        "e" * 40,
        "it-IT-u-ca-buddhist",
        "😀",
        "en US",
    ],
)
def test_an_unknown_or_malformed_locale_is_invalid_on_locale(given: str) -> None:
    result, problems = clean({"locale": given})
    assert problems and problems[0][0] == "locale" and result["locale"] is None


@pytest.mark.parametrize(
    ("given", "stored"),
    [("Europe/Rome", "Europe/Rome"), ("europe/rome", "Europe/Rome"), ("UTC", "UTC"), (" ", None)],
)
def test_an_iana_time_zone_is_stored_as_iana_spells_it(given: str, stored: str) -> None:
    assert clean({"time_zone": given}) == ({"time_zone": stored}, [])


@pytest.mark.parametrize(
    "given",
    [
        "CEST",
        "+02:00",
        "Europe/Atlantis",
        "../zoneinfo/Europe/Rome",
        "localtime",
        "posix/Europe/Rome",
        "/etc/localtime",
        "Europe/Rome\x00",
    ],
)
def test_anything_but_an_iana_name_is_invalid_on_time_zone(given: str) -> None:
    assert clean({"time_zone": given})[1] == [("timeZone", "INVALID")]


def test_a_birth_date_is_from_1900_to_today() -> None:
    today = datetime.now(UTC).date()
    assert clean({"birth_date": date(1900, 1, 1)})[1] == []
    assert clean({"birth_date": today})[1] == []
    assert clean({"birth_date": "1980-02-29"})[0] == {"birth_date": date(1980, 2, 29)}
    for out in (date(1899, 12, 31), today + timedelta(days=1)):
        assert clean({"birth_date": out})[1] == [("birthDate", "OUT_OF_RANGE")]
    assert clean({"birth_date": "1981-02-29"})[1] == [("birthDate", "INVALID")]


@pytest.mark.parametrize(
    ("given", "region", "stored"),
    [
        ("+39 340 123 4567", None, "+393401234567"),
        ("+39 (340) 123-4567", None, "+393401234567"),
        ("0039 340 123 4567", None, "+393401234567"),
        ("0039 340 123 4567", "US", "+393401234567"),  # 00 is international, whatever the region
        ("340 123 4567", "IT", "+393401234567"),
        ("06 1234 5678", "IT", "+390612345678"),
        ("+32 470 12 34 56", "IT", "+32470123456"),  # international wins over the region
        ("(123) 456-7890", "US", None),  # no area code 123
        ("(201) 555-0123", "US", "+12015550123"),
    ],
)
def test_a_phone_is_stored_in_e164(given: str, region: str | None, stored: str | None) -> None:
    result, problems = clean({"phone": given}, region)
    if stored is None:
        assert problems == [("phone", "INVALID")]
    else:
        assert (result, problems) == ({"phone": stored}, [])


def test_a_national_phone_is_read_in_the_country_of_the_locale_given_with_it() -> None:
    assert clean({"locale": "it-IT", "phone": "340 123 4567"}, "US")[0]["phone"] == (
        "+393401234567"
    )
    # Without a country anywhere, a national number cannot be placed.
    result, problems = clean({"locale": "it", "phone": "340 123 4567"})
    assert problems == [("phone", "INVALID")] and result["phone"] is None


@pytest.mark.parametrize(
    "given",
    [
        "call me",
        "+39 123",
        "+999 1234567",
        "12",
        "+39 340 123 4567 ext 99999999999999",
        "+" + "9" * 60,
        "+39\x00340",
    ],
)
def test_a_number_that_cannot_exist_is_invalid_on_phone_with_a_reason(given: str) -> None:
    problems = Problems()
    clean_customer_fields(problems, {"phone": given}, "IT")
    assert [(p.field, p.code.value) for p in problems.items][:1] in (
        [("phone", "INVALID")],
        [("phone", "OUT_OF_RANGE")],
    )
    assert problems.items[0].message


def test_the_region_of_a_locale_is_its_country() -> None:
    assert [locale_region(x) for x in ("it-IT", "zh-Hant-TW", "en", "en-001", None)] == [
        "IT",
        "TW",
        None,
        None,
        None,
    ]


@pytest.mark.parametrize(
    "attributes",
    [
        {"visits": 2**63},
        {"visits": -(2**70)},
        {"deep": [1, {"n": 10**400}]},
        {"visits": float("inf")},
        {"visits": float("-inf")},
        {"visits": float("nan")},
    ],
)
def test_a_number_attributes_cannot_hold_is_invalid_on_attributes(
    attributes: dict[str, Any],
) -> None:
    # Given attributes with a number no 64-bit integer or finite double holds (a literal in
    # a GraphQL document reaches here unparsed by the body's checks), when they are checked,
    # then they are refused on `attributes`, never measured by orjson (which would raise)
    result, problems = clean({"attributes": attributes})
    assert problems == [("attributes", "INVALID")] and result["attributes"] == {}


def test_attribute_numbers_up_to_64_bits_are_kept() -> None:
    attributes = {"big": 2**63 - 1, "small": -(2**63 - 1), "ratio": 1e300, "nested": [0.5]}
    assert clean({"attributes": attributes}) == ({"attributes": attributes}, [])
