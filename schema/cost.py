"""The query cost limit: a validation rule estimating how many nodes an operation can return
and refusing, before execution, one above the maximum (TESSERA_MAX_QUERY_COST).

The estimate, per field: 1, plus its selection's cost times how many items it can return:
- a field with a `first` argument: that many (clamped to the page size limit), the default
  page size (20) when `first` is left out; the `edges` and `nodes` lists right under it
  are that page, not multiplied again;
- any other list: DEFAULT_PAGE_SIZE items;
- anything else: 1.
Aliases count as the separate fields they are; fragments count where they are spread.
Introspection fields (`__schema`, `__type`) count 1: their size is the schema's, and
graphql-core's introspection depth rule bounds their nesting.

Being a validation rule, the estimate is made once per document and cached with the other
validation results (see schema/guards.py). A `first` given by a variable counts 1 there (the
least it can be); when a document has such variables, VariableCosts re-estimates it
before execution with the request's values (cached per document and values), so only list
queries with variable page sizes pay for an estimate, once per distinct set of sizes."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    Visitor,
    get_named_type,
    parse,
    visit,
)
from graphql.language import DocumentNode, FragmentDefinitionNode
from graphql.type import GraphQLSchema

from schema.pagination import DEFAULT_PAGE_SIZE


def cost_rule(max_cost: int, max_page_size: int) -> type[ASTValidationRule]:
    """The rule class for these limits (build it once: the validation cache is keyed by the
    rule classes)."""

    class QueryCostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            estimate = _Estimate(
                self.context.schema, self.context.get_fragment, max_page_size, variables=None
            )
            cost = estimate.operation(node)
            if cost > max_cost:
                self.report_error(too_costly(cost, max_cost, node))

    return QueryCostLimit


def too_costly(cost: int, max_cost: int, node: OperationDefinitionNode | None) -> GraphQLError:
    return GraphQLError(
        f"The operation's estimated cost is {cost} nodes, above the limit of {max_cost}: "
        "ask for smaller pages (`first`) or fewer nested lists.",
        node,
        extensions={"code": "BAD_USER_INPUT", "cost": cost, "maxCost": max_cost},
    )


class VariableCosts:
    """The re-estimate, with the request's variables, of the documents whose page sizes are
    variables (one per schema: it holds the caches, keyed by the query text, whose hash
    Python keeps, not by its parsed document, whose hash walks the whole tree)."""

    def __init__(self, max_cost: int, max_page_size: int) -> None:
        self.max_cost = max_cost
        self.max_page_size = max_page_size
        self._page_variables = lru_cache(maxsize=1_000)(_page_variables)
        self._cost_of = lru_cache(maxsize=1_000)(self._estimate)

    def refusal(
        self,
        schema: GraphQLSchema,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> GraphQLError | None:
        """The error refusing a validated document whose cost with these variables is above
        the maximum; None when it is within it (or has no page size variables)."""
        names = self._page_variables(query)
        if not names:
            return None
        values = variables or {}
        sizes = tuple((name, _size(values.get(name))) for name in names)
        cost = self._cost_of(query, schema, operation_name, sizes)
        if cost is not None and cost > self.max_cost:
            return too_costly(cost, self.max_cost, None)
        return None

    def _estimate(
        self,
        query: str,
        schema: GraphQLSchema,
        operation_name: str | None,
        sizes: tuple[tuple[str, int | None], ...],
    ) -> int | None:
        document = parse(query, no_location=True)  # a miss parses the text again, once
        return estimate_cost(schema, document, operation_name, dict(sizes), self.max_page_size)


def _page_variables(query: str) -> tuple[str, ...]:
    """The variables a (validated, so parsable) document gives as `first`."""
    found = _FirstVariables()
    visit(parse(query, no_location=True), found)
    return tuple(sorted(found.names))


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    page_sizes: Mapping[str, int | None],
    max_page_size: int,
) -> int | None:
    """The estimated cost of the document's operation with these `first` variables (None
    when the operation is not found)."""
    operation = _operation(document, operation_name)
    if operation is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _Estimate(schema, fragments.get, max_page_size, page_sizes).operation(operation)


def _size(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _FirstVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if node.name.value == "first" and isinstance(node.value, VariableNode):
            self.names.add(node.value.name.value)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


class _Estimate:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragment: Any,
        max_page_size: int,
        variables: Mapping[str, int | None] | None,
    ) -> None:
        self.fragment = fragment
        self.schema = schema
        self.max_page_size = max_page_size
        self.default_page = min(DEFAULT_PAGE_SIZE, max_page_size)
        # None while validating: a variable page size then counts 1.
        self.variables = variables

    def operation(self, node: OperationDefinitionNode) -> int:
        root = {
            OperationType.QUERY: self.schema.query_type,
            OperationType.MUTATION: self.schema.mutation_type,
            OperationType.SUBSCRIPTION: self.schema.subscription_type,
        }[node.operation]
        return self.selections(root, node.selection_set, frozenset(), in_page=False)

    def selections(
        self,
        parent: GraphQLNamedType | None,
        selection_set: SelectionSetNode,
        spread: frozenset[str],
        in_page: bool,
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, spread, in_page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(target, selection.selection_set, spread, in_page)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragment(name)
                if fragment is None or name in spread:  # unknown or cyclic: other rules say so
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.selections(target, fragment.selection_set, spread | {name}, in_page)
        return total

    def field(
        self, parent: GraphQLNamedType | None, node: FieldNode, spread: frozenset[str], page: bool
    ) -> int:
        definition = self._definition(parent, node.name.value)
        if definition is None or node.selection_set is None:
            return 1  # a leaf, introspection, or an unknown field (another rule refuses it)
        paged = "first" in definition.args
        inner = self.selections(
            get_named_type(definition.type), node.selection_set, spread, in_page=paged
        )
        if paged:
            return 1 + self._page_size(node) * inner
        if _is_list(definition) and not page:
            return 1 + self.default_page * inner
        return 1 + inner

    def _definition(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return None
        return parent.fields.get(name)

    def _page_size(self, node: FieldNode) -> int:
        argument = next((a for a in node.arguments or () if a.name.value == "first"), None)
        if argument is None:
            return self.default_page
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(1, min(int(value.value), self.max_page_size))
        if isinstance(value, VariableNode):
            if self.variables is None:
                return 1
            given = self.variables.get(value.name.value)
            if given is None:
                return self.default_page
            return max(1, min(given, self.max_page_size))
        return self.default_page  # null or a wrong type: refused by other rules or resolvers


def _is_list(field: GraphQLField) -> bool:
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(kind, GraphQLList)
