"""What a caller without a token may run: nothing, unless every root field of its operation
is allowed anonymously.

The one way in is ANONYMOUS_ROOT_FIELDS: root fields that must work without a token (the
console's `login` mutation, and nothing else). An anonymous request's body is read only
when small (ANONYMOUS_MAX_BODY_BYTES; a larger one is refused unread), parsed once, and let
through only when every root field it selects is allowed (with TESSERA_DEBUG, GraphiQL's
introspection fields too). The fields still carry their own
permission classes; this gate only decides whether parsing and execution start at all."""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

# Root fields (of Query or Mutation) an anonymous caller may select.
ANONYMOUS_ROOT_FIELDS: frozenset[str] = frozenset({"login"})
# Introspection's root fields, allowed anonymously only with TESSERA_DEBUG.
INTROSPECTION_ROOT_FIELDS = frozenset({"__schema", "__type", "__typename"})
# An anonymous body above this is refused unread (GraphiQL's introspection query is ~2 KB).
ANONYMOUS_MAX_BODY_BYTES = 16_384
_MAX_TOKENS = 2_000


def selects_only(query: object, operation_name: object, allowed: frozenset[str]) -> bool:
    """Whether the operation of `query` (the one named `operation_name`, or the only one)
    selects only `allowed` root fields. A document that does not parse selects nothing
    allowed."""
    if not allowed or not isinstance(query, str):
        return False
    try:
        document = parse(query, no_location=True, max_tokens=_MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return False
    operation = _operation(document, operation_name)
    if operation is None:
        return False
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    names = _root_fields(operation.selection_set, fragments, set())
    return names is not None and bool(names) and names <= allowed


def _operation(document: DocumentNode, name: object) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def _root_fields(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> set[str] | None:
    """The field names selected at this level, through fragments; None for an unknown or
    cyclic fragment (the document is then not anonymous-safe)."""
    names: set[str] = set()
    for selection in selections.selections:
        inner: set[str] | None
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
            continue
        if isinstance(selection, InlineFragmentNode):
            inner = _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                return None
            inner = _root_fields(fragments[name].selection_set, fragments, seen | {name})
        else:  # pragma: no cover - no other selection kinds exist
            return None
        if inner is None:
            return None
        names |= inner
    return names
