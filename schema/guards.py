"""The one schema extension every request runs through: the document's guards and the codes
of its errors.

- parse: the token limit, and the parsed document cached by the query's text;
- validate: graphql-core's rules plus Tessera's (depth, aliases, cost, storable literals),
  run once per text and the result cached;
- execute: the cost estimated again when page sizes are variables (schema/cost.py);
- on the way out: every error carries `extensions.code` (schema.errors.coded).

One extension instead of strawberry's ParserCache, ValidationCache, MaxTokensLimiter and
AddValidationRules beside Tessera's own two: each extension costs every request a context
per hook, and their caches were keyed by the parsed document, so a lookup hashed the
parse options or the document's nodes rather than the text."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse, validate
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.type import GraphQLSchema
from strawberry.extensions import SchemaExtension

from schema.cost import VariableCosts
from schema.errors import coded

CACHE_SIZE = 1_000  # distinct query texts kept parsed and validated


def guards(
    rules: Sequence[type[ASTValidationRule]], costs: VariableCosts, max_tokens: int
) -> type[SchemaExtension]:
    """The extension class for one schema: `rules` are added to the standard validation
    rules, `costs` re-estimates documents with variable page sizes, `max_tokens` bounds
    what a document may hold before it is parsed."""

    @lru_cache(maxsize=CACHE_SIZE)
    def parsed(query: str) -> DocumentNode:
        return parse(query, max_tokens=max_tokens)

    @lru_cache(maxsize=CACHE_SIZE)
    def validated(
        query: str, schema: GraphQLSchema, standard: tuple[type[ASTValidationRule], ...]
    ) -> tuple[GraphQLError, ...]:
        return tuple(validate(schema, parsed(query), [*standard, *rules]))

    class Guards(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            context = self.execution_context
            # strawberry parses a document this extension could not (a syntax error, too
            # many tokens) itself, to report the error the standard way: with this limit.
            context.parse_options["max_tokens"] = max_tokens
            try:
                yield
            except GraphQLError as error:
                raise coded(error) from error.original_error
            result = context.result
            errors = getattr(result, "errors", None)
            if result is not None and errors:
                result.errors = [coded(error) for error in errors]

        def on_parse(self) -> Iterator[None]:
            context = self.execution_context
            if context.query is not None and context.graphql_document is None:
                document = _or_none(parsed, context.query)
                if document is not None:
                    context.graphql_document = document
            yield

        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            if context.query is not None and context.pre_execution_errors is None:
                standard = tuple(context.validation_rules)
                errors = validated(context.query, context.schema._schema, standard)
                context.pre_execution_errors = list(errors)
            yield

        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            # Only a document that validated gets here, so it parses.
            if context.query is not None and context.graphql_document is not None:
                refusal = costs.refusal(
                    context.schema._schema, context.query, context.operation_name, context.variables
                )
                if refusal is not None:
                    context.result = GraphQLExecutionResult(data=None, errors=[refusal])
            yield

    return Guards


def _or_none(parse_text: Callable[[str], DocumentNode], query: str) -> DocumentNode | None:
    try:
        return parse_text(query)
    except GraphQLError:
        return None
