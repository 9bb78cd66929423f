"""Scalars: Money (integer minor units, beyond 32 bits) and JSON."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.scalars import JSON


def _parse_money(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("Money is a whole number of minor units, not a boolean.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 40:
        return int(value)
    raise ValueError("Money is a whole number of minor units (e.g. 1250 for 12.50).")


Money = strawberry.scalar(
    NewType("Money", int),
    name="Money",
    description="An amount of money as a whole number of minor units (cents): 1250 is 12.50. "
    "Beyond 32 bits; amounts above 10^15 are refused.",
    serialize=int,
    parse_value=_parse_money,
)

BigInt = strawberry.scalar(
    NewType("BigInt", int),
    name="BigInt",
    description="A 64-bit integer (program-wide totals).",
    serialize=int,
    parse_value=_parse_money,
)

__all__ = ["JSON", "BigInt", "Money"]
