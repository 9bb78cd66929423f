"""Codes: drawn without bias from an unambiguous alphabet, of the asked shape, normalised
the same way wherever they are typed."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Problems
from domain.vouchers.codes import (
    ALPHABET,
    DEFAULT_CODE_LENGTH,
    check_code,
    check_length,
    check_prefix,
    normalise,
    random_codes,
)


def test_the_alphabet_is_crockford_base32_without_lookalikes() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_the_default_code_carries_at_least_60_random_bits() -> None:
    assert DEFAULT_CODE_LENGTH * 5 >= 60


def test_codes_are_distinct_and_of_the_asked_shape() -> None:
    codes = random_codes(20_000, 12, "SPRING-")
    assert len(set(codes)) == 20_000
    assert all(re.fullmatch(f"SPRING-[{ALPHABET}]{{12}}", code) for code in codes)


def test_every_symbol_is_drawn_about_as_often() -> None:
    symbols = Counter("".join(random_codes(10_000, 16)))
    # 5,000 each; a fair draw stays within 10% (7 standard deviations), while a byte
    # mapping that favoured some symbols (say 9 byte values instead of 8) would not
    expected = 10_000 * 16 / 32
    assert set(symbols) == set(ALPHABET)
    assert all(abs(n - expected) < expected * 0.1 for n in symbols.values())


@given(st.text(max_size=40))
def test_normalising_is_trimming_and_capitals_and_idempotent(raw: str) -> None:
    assert normalise(raw) == raw.strip().upper()
    assert normalise(normalise(raw)) == normalise(raw)


def test_a_code_typed_loosely_at_a_till_is_normalised() -> None:
    problems = Problems()
    assert check_code(problems, "code", "  spring-7k3m9q2x ") == "SPRING-7K3M9Q2X"
    assert problems.items == []


def test_bad_prefixes_lengths_and_codes_are_named() -> None:
    problems = Problems()
    assert check_prefix(problems, "prefix", " summer-") == "SUMMER-"
    check_prefix(problems, "prefix", "-X")
    check_prefix(problems, "prefix", "A B")
    check_prefix(problems, "prefix", "Z" * 21)
    assert check_length(problems, "codeLength", None) == DEFAULT_CODE_LENGTH
    check_length(problems, "codeLength", 9)
    check_length(problems, "codeLength", 33)
    check_code(problems, "code", "   ")
    assert [(p.field, p.code.value) for p in problems.items] == [
        ("prefix", "INVALID"),
        ("prefix", "INVALID"),
        ("prefix", "OUT_OF_RANGE"),
        ("codeLength", "OUT_OF_RANGE"),
        ("codeLength", "OUT_OF_RANGE"),
        ("code", "REQUIRED"),
    ]
