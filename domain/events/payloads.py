"""SQL that builds event payloads, generated from the event classes.

Hot paths and set-based jobs write their events inside the statement that made the change,
so the payload is built in SQL there. These functions emit that SQL for exactly the fields
of the event's class (domain/events/types.py): a field the caller forgot, or one the class
does not have, fails when the module defining the statement is imported, so the SQL and the
class cannot drift apart."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func

from domain.events.store import DomainEvent

E = TypeVar("E")


def payload_fields(event: type[DomainEvent]) -> tuple[str, ...]:
    """The payload's keys: the class's fields but customer_id (a column of its own)."""
    return tuple(f.name for f in dataclasses.fields(event) if f.name != "customer_id")


def payload_sql(*events: type[DomainEvent], **expressions: str) -> str:
    """`jsonb_build_object('field', <expression>, ...)` for exactly the payload fields of
    `events` (several classes share one statement only when their fields are the same),
    each field's value given as an SQL expression by keyword."""
    pairs = ", ".join(f"'{name}', {sql}" for name, sql in _in_class_order(events, expressions))
    return f"jsonb_build_object({pairs})"


def payload_clause(
    *events: type[DomainEvent], **expressions: ColumnElement[Any]
) -> ColumnElement[Any]:
    """payload_sql's SQLAlchemy Core twin, for statements built with Core."""
    pairs = _in_class_order(events, expressions)
    return func.jsonb_build_object(*(part for pair in pairs for part in pair))


def event_type_sql(event: type[DomainEvent]) -> str:
    """The event's type as an SQL literal (class names are plain identifiers)."""
    return f"'{event.__name__}'"


def _in_class_order(
    events: tuple[type[DomainEvent], ...], expressions: Mapping[str, E]
) -> list[tuple[str, E]]:
    if not events:
        raise TypeError("name the event class whose payload is built")
    fields = payload_fields(events[0])
    for other in events[1:]:
        if payload_fields(other) != fields:
            raise TypeError(
                f"{other.__name__} and {events[0].__name__} have different payloads; "
                "build each with its own statement"
            )
    names = ", ".join(e.__name__ for e in events)
    missing = [f for f in fields if f not in expressions]
    if missing:
        raise TypeError(f"the payload of {names} needs {', '.join(missing)}")
    extra = [name for name in expressions if name not in fields]
    if extra:
        raise TypeError(f"{names} has no field {', '.join(extra)}")
    return [(f, expressions[f]) for f in fields]
