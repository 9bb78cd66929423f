"""The document's guards, applied to every operation before it executes
(schema/execution.py):

- parse: the token limit, and the parsed document cached by the query's text;
- validate: graphql-core's rules plus Tessera's (depth, aliases, cost, storable literals),
  run once per text and the result cached;
- before execution: the cost estimated again when page sizes are variables (schema/cost.py).

The caches are keyed by the query's text rather than by the parsed document, whose hash
walks the whole tree (as strawberry's ParserCache and ValidationCache were)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse, specified_rules, validate
from graphql.type import GraphQLSchema

from schema.cost import VariableCosts

CACHE_SIZE = 1_000  # distinct query texts kept parsed and validated


class Guards:
    """One schema's guards: `rules` are added to graphql-core's standard validation rules,
    `costs` re-estimates documents with variable page sizes, `max_tokens` bounds what a
    document may hold before it is parsed."""

    def __init__(
        self, rules: Sequence[type[ASTValidationRule]], costs: VariableCosts, max_tokens: int
    ) -> None:
        self.rules = (*specified_rules, *rules)
        self.costs = costs
        self.max_tokens = max_tokens
        self._parsed = lru_cache(maxsize=CACHE_SIZE)(self._parse)
        self._validated = lru_cache(maxsize=CACHE_SIZE)(self._validate)

    def parse(self, query: str) -> DocumentNode:
        """The parsed document; a GraphQLError when the text does not parse, holds more than
        the tokens allowed, or nests deeper than graphql-core's parser allows."""
        return self._parsed(query)

    def _parse(self, query: str) -> DocumentNode:
        return parse(query, max_tokens=self.max_tokens)

    def _validate(self, query: str, schema: GraphQLSchema) -> tuple[GraphQLError, ...]:
        return tuple(validate(schema, self._parsed(query), self.rules))

    def validation_errors(self, query: str, schema: GraphQLSchema) -> tuple[GraphQLError, ...]:
        """The errors of a document that parses (none when it is valid)."""
        return self._validated(query, schema)
