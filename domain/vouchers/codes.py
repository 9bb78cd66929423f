"""Voucher codes: generated from the operating system's CSPRNG over an unambiguous alphabet,
and normalised the same way wherever they are typed.

The alphabet is Crockford's base32 (digits and capitals without I, L, O, U): 32 symbols, 5
bits each, none easily misread. A 256-value byte maps onto it with `byte & 31` without bias
(256 is a multiple of 32), so a batch of 100,000 codes is a single `secrets.token_bytes`
call. The default of 12 random symbols is 60 bits: with a million codes live, a guess hits
one with a probability below 1 in 10^12."""

from __future__ import annotations

import re
import secrets

from domain.errors import ErrorCode, Problems

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DEFAULT_CODE_LENGTH = 12
MIN_CODE_LENGTH = 10  # 50 bits
MAX_CODE_LENGTH = 32
MAX_PREFIX_LENGTH = 20
MAX_CODE_TEXT = MAX_PREFIX_LENGTH + MAX_CODE_LENGTH

_BYTE_TO_SYMBOL = bytes(ord(ALPHABET[b & 31]) for b in range(256))
_PREFIX = re.compile(r"([A-Z0-9][A-Z0-9-]*)?")


def normalise(code: str | None) -> str:
    """A code as stored: trimmed and in capitals (tills type and scan them loosely)."""
    return (code or "").strip().upper()


def random_codes(count: int, length: int = DEFAULT_CODE_LENGTH, prefix: str = "") -> list[str]:
    """`count` distinct codes of `length` random symbols after `prefix`."""
    found: set[str] = set()
    while len(found) < count:
        missing = count - len(found)
        symbols = secrets.token_bytes(missing * length).translate(_BYTE_TO_SYMBOL).decode()
        found.update(prefix + symbols[i : i + length] for i in range(0, len(symbols), length))
    return list(found)


def check_prefix(problems: Problems, field: str, prefix: str | None) -> str:
    """The prefix in capitals: letters, digits and '-' (not first), at most 20 characters."""
    clean = normalise(prefix)
    if len(clean) > MAX_PREFIX_LENGTH:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {MAX_PREFIX_LENGTH} characters.")
    elif not _PREFIX.fullmatch(clean):
        problems.add(field, ErrorCode.INVALID, "Letters A-Z, digits and '-' (not first) only.")
    return clean


def check_length(problems: Problems, field: str, length: int | None) -> int:
    """The number of random symbols, DEFAULT_CODE_LENGTH when not given."""
    if length is None:
        return DEFAULT_CODE_LENGTH
    if not MIN_CODE_LENGTH <= length <= MAX_CODE_LENGTH:
        problems.add(
            field,
            ErrorCode.OUT_OF_RANGE,
            f"{MIN_CODE_LENGTH} to {MAX_CODE_LENGTH} random characters "
            f"(fewer would make codes guessable).",
        )
        return DEFAULT_CODE_LENGTH
    return length


def check_code(problems: Problems, field: str, code: str | None) -> str:
    """A code as typed at a till, normalised; a problem when missing or far too long."""
    clean = normalise(code)
    if not clean:
        problems.add(field, ErrorCode.REQUIRED, "A voucher code is required.")
    elif len(clean) > MAX_CODE_TEXT:
        problems.add(field, ErrorCode.INVALID, "This is not a voucher code.")
    return clean
