"""Scalars: Money (integer minor units, beyond 32 bits), BigInt, and JSON."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

Money = NewType("Money", int)
BigInt = NewType("BigInt", int)


def _parse_integer(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("Expected a whole number, not a boolean.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 40:
        return int(value)
    raise ValueError("Expected a whole number (money is in minor units: 1250 for 12.50).")


SCALAR_MAP: dict[object, ScalarDefinition] = {
    Money: strawberry.scalar(
        name="Money",
        description="An amount of money as a whole number of minor units (cents): 1250 is "
        "12.50. Beyond 32 bits; amounts above 10^15 are refused.",
        serialize=int,
        parse_value=_parse_integer,
    ),
    BigInt: strawberry.scalar(
        name="BigInt",
        description="A 64-bit integer (program-wide totals).",
        serialize=int,
        parse_value=_parse_integer,
    ),
}

__all__ = ["JSON", "SCALAR_MAP", "BigInt", "Money"]
