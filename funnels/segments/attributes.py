"""Typed comparisons on a customer's custom attributes (customers.attributes, JSONB), in SQL
that cannot fail whatever the data holds.

Attributes are written by shops and imports, so a key compared as a number may hold a
string for some customers. Nothing is cast: a number is compared as JSONB (which orders
numbers numerically) after `jsonb_typeof` says it is one, a string as text, a boolean as
JSONB, and a date as the text of an ISO date (`YYYY-MM-DD...`, which sorts as the dates
do). A value of another type, or JSON null, matches no comparison but `exists`, so a
wrong type in the data never turns into an error of the whole query."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Text,
    and_,
    cast,
    func,
    literal,
    or_,
)
from sqlalchemy.dialects.postgresql import INTERVAL, JSONB
from sqlalchemy.sql.elements import ColumnElement

from funnels.segments.model import Absolute, Attribute, Moment

_SQL_OPS = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}"
_JSON_TYPES = {"number": "number", "string": "string", "boolean": "boolean", "date": "string"}


def _json(value: Any) -> ColumnElement[Any]:
    return cast(literal(json.dumps(value), Text), JSONB)


def _date_text(moment: Moment, now: datetime) -> ColumnElement[str]:
    """The ISO date (UTC) of a moment, as text."""
    if isinstance(moment, Absolute):
        return literal(moment.at.date().isoformat(), Text)
    at = literal(now, DateTime(timezone=True)) - cast(literal(moment.duration), INTERVAL)
    return func.to_char(func.timezone("UTC", at), "YYYY-MM-DD")


def attribute_condition(
    condition: Attribute, attributes: ColumnElement[Any], now: datetime
) -> ColumnElement[bool]:
    """Every check of the condition on `attributes` (a JSONB column of the enclosing
    query)."""
    value = attributes.op("->", return_type=JSONB)(literal(condition.key, Text))
    typed = func.jsonb_typeof(value) == _JSON_TYPES[condition.type]
    if condition.type == "date":
        text = attributes.op("->>", return_type=Text)(literal(condition.key, Text))
        typed = and_(typed, text.op("~")(_ISO_DATE))
    checks: list[ColumnElement[bool]] = []
    for op, expected in condition.checks:
        if op == "exists":
            present = attributes.op("?", return_type=Boolean)(literal(condition.key, Text))
            checks.append(present if expected else ~present)
            continue
        checks.append(and_(typed, _check(condition, op, expected, attributes, value, now)))
    return and_(*checks)


def _check(
    condition: Attribute,
    op: str,
    expected: Any,
    attributes: ColumnElement[Any],
    value: ColumnElement[Any],
    now: datetime,
) -> ColumnElement[bool]:
    text = attributes.op("->>", return_type=Text)(literal(condition.key, Text))
    match condition.type, op:
        case "date", _:
            return func.left(text, 10).op(_SQL_OPS[op])(_date_text(expected, now))
        case "string", "in":
            return text.in_([str(v) for v in expected])
        case "string", "contains":
            return text.ilike("%" + _escaped(str(expected)) + "%", escape="\\")
        case "string", _:
            return text.op(_SQL_OPS[op])(literal(str(expected), Text))
        case "number", "in":
            return or_(*(value.op("=")(_json(v)) for v in expected))
        case _:
            return value.op(_SQL_OPS[op])(_json(expected))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
