"""Card codes: what a code may be, and the check digits python-stdnum computes and checks."""

from __future__ import annotations

import pytest

from domain.cards.codes import check_code, clean_code, generated_code, is_ean13
from domain.cards.models import CheckDigit
from domain.errors import ErrorCode, Problems


def problems_of(code: str, digit: CheckDigit, length: int | None = None) -> list[ErrorCode]:
    problems = Problems()
    check_code(problems, "code", code, digit, length)
    return [p.code for p in problems.items]


def test_ean13_is_thirteen_digits_with_the_right_check_digit() -> None:
    assert problems_of("4006381333931", CheckDigit.EAN13, 13) == []
    assert problems_of("4006381333932", CheckDigit.EAN13, 13) == [ErrorCode.INVALID]  # digit
    assert problems_of("400638133393", CheckDigit.EAN13, 13) == [ErrorCode.INVALID]  # 12 long
    assert problems_of("40063813339A1", CheckDigit.EAN13, 13) == [ErrorCode.INVALID]
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in "4006381333931")  # digits, not ASCII
    assert problems_of(fullwidth, CheckDigit.EAN13, 13) == [ErrorCode.INVALID]


def test_luhn_takes_any_length_unless_the_series_has_one() -> None:
    assert problems_of("79927398713", CheckDigit.LUHN) == []
    assert problems_of("79927398710", CheckDigit.LUHN) == [ErrorCode.INVALID]
    assert problems_of("18", CheckDigit.LUHN) == []
    assert problems_of("4" * 63 + "0", CheckDigit.LUHN) == []
    # A series with a code length takes given codes of that length only
    assert problems_of("7700000016", CheckDigit.LUHN, 10) == []
    assert problems_of("18", CheckDigit.LUHN, 10) == [ErrorCode.INVALID]
    assert problems_of("77000000018", CheckDigit.LUHN, 10) == [ErrorCode.INVALID]


def test_a_series_without_check_digit_checks_the_length_it_has() -> None:
    assert problems_of("ABC", CheckDigit.NONE) == []
    assert problems_of("NV-000001", CheckDigit.NONE, 9) == []
    assert problems_of("NV-1", CheckDigit.NONE, 9) == [ErrorCode.INVALID]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", ErrorCode.REQUIRED),
        ("   ", ErrorCode.REQUIRED),
        ("a" * 65, ErrorCode.OUT_OF_RANGE),
        ("a\x00b", ErrorCode.INVALID),
        ("a\nb", ErrorCode.INVALID),
        ("a\u200bb", ErrorCode.INVALID),
    ],
)
def test_a_code_no_card_can_have_is_refused(raw: str, code: ErrorCode) -> None:
    problems = Problems()
    clean_code(problems, "code", raw)
    assert [p.code for p in problems.items] == [code]


def test_a_64_character_code_is_a_card_code() -> None:
    problems = Problems()
    assert clean_code(problems, "code", " " + "a" * 64 + " ") == "a" * 64
    assert problems.items == []


def test_generated_codes_are_prefix_padded_number_and_check_digit() -> None:
    code = generated_code("290", 13, CheckDigit.EAN13, 42)
    assert code is not None and code.startswith("290000000042") and is_ean13(code)
    assert generated_code("7", 8, CheckDigit.LUHN, 5) == "70000054"
    assert generated_code("GC-", 8, CheckDigit.NONE, 7) == "GC-00007"
    # A number that no longer fits the length: the series is full
    assert generated_code("9", 3, CheckDigit.LUHN, 100) is None
