"""The query cost limit: a validation rule estimating how many nodes an operation can return
and refusing, before execution, one above the maximum (TESSERA_MAX_QUERY_COST).

The estimate, per field: 1, plus its selection's cost times how many items it can return:
- a field with a `first` argument: that many (a literal, clamped to the page size limit),
  the largest page (TESSERA_MAX_PAGE_SIZE) when `first` is a variable, the default page size
  (20) when `first` is left out; the `edges` and `nodes` lists right under it are that
  page, not multiplied again;
- any other list: DEFAULT_PAGE_SIZE items;
- anything else: 1.
Aliases count as the separate fields they are; fragments count where they are spread.
Introspection fields (`__schema`, `__type`) count 1: their size is the schema's, and
graphql-core's introspection depth rule bounds their nesting.

Being a validation rule, the estimate is made once per document and cached with the other
validation results (see schema/root.py)."""

from __future__ import annotations

from typing import Any

from graphql import (
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
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)

from schema.pagination import DEFAULT_PAGE_SIZE


def cost_rule(max_cost: int, max_page_size: int) -> type[ASTValidationRule]:
    """The rule class for these limits (build it once: the validation cache is keyed by the
    rule classes)."""

    class QueryCostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            estimate = _Estimate(self.context, max_page_size)
            cost = estimate.operation(node)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"The operation's estimated cost is {cost} nodes, above the limit "
                        f"of {max_cost}: ask for smaller pages (`first`) or fewer nested "
                        "lists.",
                        node,
                        extensions={"code": "BAD_USER_INPUT", "cost": cost, "maxCost": max_cost},
                    )
                )

    return QueryCostLimit


class _Estimate:
    def __init__(self, context: ValidationContext, max_page_size: int) -> None:
        self.context = context
        self.schema = context.schema
        self.max_page_size = max_page_size
        self.default_page = min(DEFAULT_PAGE_SIZE, max_page_size)

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
                fragment = self.context.get_fragment(name)
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
            return self.max_page_size
        return self.default_page  # null or a wrong type: refused by other rules or resolvers


def _is_list(field: GraphQLField) -> bool:
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(kind, GraphQLList)
