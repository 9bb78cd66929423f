"""Scalars: Money (integer minor units, beyond 32 bits), BigInt, JSON, and DateTime (with the
domain's range: a time outside it is refused wherever it is an input)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NewType

import strawberry
from graphql import GraphQLError, ValueNode, value_from_ast_untyped
from strawberry.scalars import JSON
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from domain.validation import moment_out_of_range

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


def parse_datetime(value: object) -> datetime:
    """An ISO 8601 time as strawberry reads it (any range)."""
    parsed = DateTimeDefinition.parse_value(value)  # type: ignore[misc]
    assert isinstance(parsed, datetime)
    return parsed


def _parse_moment(value: object) -> datetime:
    """A variable's time, refused outside the domain's range (literals are refused, naming
    their argument, by schema/literals.py)."""
    parsed = parse_datetime(value)
    why = moment_out_of_range(parsed)
    if why is not None:
        raise GraphQLError(
            f"{why.rstrip('.')} (OUT_OF_RANGE).", extensions={"reason": "OUT_OF_RANGE"}
        )
    return parsed


def _parse_moment_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> datetime:
    return parse_datetime(value_from_ast_untyped(node, variables))


SCALAR_MAP: dict[object, ScalarDefinition] = {
    datetime: strawberry.scalar(
        name="DateTime",
        description="Date with time (isoformat)",
        serialize=datetime.isoformat,
        parse_value=_parse_moment,
        parse_literal=_parse_moment_literal,
    ),
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
