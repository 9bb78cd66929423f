"""Input objects built from their GraphQL values with a plan made once per input type.

strawberry builds an input object (e.g. RecordPurchaseInput and each of its lines) by
walking every field of its type on every request: the field's GraphQL name converted again,
its type resolved again from its annotation, and the value converted by a generic function
that tests each kind of type in turn. That was about a tenth of a till request's CPU. Its
documented hook for types that build their own value, `from_input` on the type's
definition, is set here for every input type of the schema: the names, resolved types and
which fields need converting at all (scalars and enums arrive converted from graphql-core)
are worked out on the first value and reused. Nested inputs and lists still go through
strawberry's own conversion (`InputContext.convert`), which calls this hook for them.

The result is what strawberry builds without the hook: the fields the client sent,
converted; the others at their dataclass default, or None when they have none."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition

# (GraphQL name, Python name, the type to convert the value to; None: use it as it is)
_Field = tuple[str, str, StrawberryType | type | None]


def build_inputs_with_plans(schema: strawberry.Schema) -> None:
    """Give every input type of `schema` that builds its value the standard way the
    planned builder (see the module's docstring)."""
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if (
            isinstance(definition, StrawberryObjectDefinition)
            and definition.is_input
            and definition.from_input is None
            and not _has_maybe(definition)
        ):
            definition.from_input = _Builder(definition, schema).build


def _has_maybe(definition: StrawberryObjectDefinition) -> bool:
    # Maybe fields are validated in the document only for types without the hook.
    return any(isinstance(field.type, StrawberryMaybe) for field in definition.fields)


class _Builder:
    def __init__(self, definition: StrawberryObjectDefinition, schema: strawberry.Schema):
        self._definition = definition
        self._schema = schema
        self._plan: tuple[dict[str, None], tuple[_Field, ...]] | None = None

    def build(self, cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        defaults, fields = self._plan or self._make_plan()
        kwargs: dict[str, Any] = dict(defaults)
        for graphql_name, python_name, type_ in fields:
            if graphql_name in value:
                raw = value[graphql_name]
                kwargs[python_name] = (
                    raw if type_ is None else context.convert(raw, type_, graphql_name)
                )
        return cls(**kwargs)

    def _make_plan(self) -> tuple[dict[str, None], tuple[_Field, ...]]:
        definition = self._definition
        name_of = self._schema.config.name_converter.from_field
        registry = self._schema.schema_converter.scalar_registry
        defaults = {
            field.python_name: None
            for field in definition.fields
            if field.default_value is dataclasses.MISSING
            and field.default_factory is dataclasses.MISSING
        }
        fields: list[_Field] = []
        for field in definition.fields:
            type_ = field.resolve_type(type_definition=definition)
            leaf = _is_leaf(type_, registry)
            fields.append((name_of(field), field.python_name, None if leaf else type_))
        self._plan = (defaults, tuple(fields))
        return self._plan


def _is_leaf(type_: StrawberryType | type, registry: Mapping[object, Any]) -> bool:
    """A scalar or an enum, nullable or not: graphql-core has converted its value already
    (strawberry's convert_argument returns it as it is). Anything else (lists, which
    strawberry copies, and input objects) is converted the standard way."""
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    if isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_):
        return True
    return type_ is not GlobalID and is_scalar(type_, registry)
