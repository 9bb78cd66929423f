"""Card codes: what a code may be, and the check digits of a series (EAN-13, Luhn), checked
and computed by python-stdnum rather than by hand."""

from __future__ import annotations

import unicodedata

from stdnum import ean, luhn
from stdnum.exceptions import ValidationError

from domain.cards.models import CheckDigit
from domain.errors import ErrorCode, Problems

MAX_CODE_LENGTH = 64
EAN13_LENGTH = 13


def clean_code(problems: Problems, field: str, value: str | None) -> str:
    """A card code as read (barcode, stripe or chip number): stripped, 1 to 64 printable
    characters; a problem on `field` otherwise."""
    code = (value or "").strip()
    if not code:
        problems.add(field, ErrorCode.REQUIRED, "A card code is required.")
    elif len(code) > MAX_CODE_LENGTH:
        problems.add(
            field, ErrorCode.OUT_OF_RANGE, f"A card code is at most {MAX_CODE_LENGTH} characters."
        )
    elif any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in code):
        problems.add(field, ErrorCode.INVALID, "A card code has no control characters.")
    return code


def check_code(
    problems: Problems, field: str, code: str, check_digit: CheckDigit, code_length: int | None
) -> None:
    """A problem on `field` when a code given by hand does not fit its series: its length
    (`code_length`, when the series has one) and its check digit."""
    if check_digit is CheckDigit.EAN13:
        if len(code) != EAN13_LENGTH or not code.isascii() or not code.isdigit():
            problems.add(field, ErrorCode.INVALID, "An EAN-13 card code is 13 digits.")
        elif not ean.is_valid(code):
            problems.add(field, ErrorCode.INVALID, "The EAN-13 check digit (the last) is wrong.")
    elif code_length is not None and len(code) != code_length:
        problems.add(
            field, ErrorCode.INVALID, f"A card code of this series is {code_length} characters."
        )
    elif check_digit is CheckDigit.LUHN:
        if len(code) < 2 or not code.isascii() or not code.isdigit():
            problems.add(field, ErrorCode.INVALID, "A Luhn card code is 2 or more digits.")
        elif not luhn.is_valid(code):
            problems.add(field, ErrorCode.INVALID, "The Luhn check digit (the last) is wrong.")


def is_ean13(code: str) -> bool:
    """Whether `code` is a valid EAN-13 (13 digits, right check digit)."""
    if len(code) != EAN13_LENGTH or not code.isascii() or not code.isdigit():
        return False
    try:
        ean.validate(code)
    except ValidationError:
        return False
    return True


def with_check_digit(body: str, check_digit: CheckDigit) -> str:
    """`body` (digits when there is a check digit) followed by its check digit."""
    if check_digit is CheckDigit.EAN13:
        return body + ean.calc_check_digit(body)
    if check_digit is CheckDigit.LUHN:
        return body + luhn.calc_check_digit(body)
    return body


def number_width(prefix: str, code_length: int, check_digit: CheckDigit) -> int:
    """How many digits a series' running number is padded to."""
    return code_length - len(prefix) - (0 if check_digit is CheckDigit.NONE else 1)


def generated_code(
    prefix: str, code_length: int, check_digit: CheckDigit, number: int
) -> str | None:
    """The series' code for its running `number` (prefix + zero-padded number + check
    digit), None when the number no longer fits the code's length (the series is full)."""
    width = number_width(prefix, code_length, check_digit)
    digits = str(number)
    if width < 1 or len(digits) > width:
        return None
    return with_check_digit(prefix + digits.zfill(width), check_digit)
