"""How an operation runs: `TesseraSchema.execute` applies the guards (schema/guards.py),
runs graphql-core's `execute` over the strawberry schema, and codes every error
(schema.errors.coded).

It replaces strawberry's `Schema.execute`, which the HTTP view calls, keeping its contract
(the same arguments and result; no query, an unknown operation name or an operation type
the method does not allow raise strawberry's own exceptions, which its view answers with
a 400) but not its extension machinery: an execution context, an extensions runner and a
context manager per hook for every request, about 0.16 ms of a till's 1 ms request
(bench/README.md, "Where a request's CPU goes"). Tessera's schema has no extensions; the
guards were its one extension. So a strawberry schema extension would not run here (the
constructor takes none): what every operation must pass belongs in the guards, and what a
field must check in a field extension (permissions are field extensions, which run). The
schema's resolvers are asynchronous, so only `execute` is served (strawberry's
`execute_sync` is not used)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from inspect import isawaitable
from typing import Any, TypeGuard, cast

import strawberry
from graphql import GraphQLError, execute
from strawberry.exceptions import MissingQueryError
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from schema.errors import coded
from schema.guards import Guards

# graphql-core's type for it; strawberry's faster check has a plain bool signature.
_IS_AWAITABLE = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)
_DEFAULT_OPERATION_TYPES = frozenset(OperationType)


class TesseraSchema(strawberry.Schema):
    def __init__(
        self, query: type, mutation: type, config: StrawberryConfig, guards: Guards
    ) -> None:
        super().__init__(query=query, mutation=mutation, config=config)
        self.guards = guards

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        # schema.errors.coded logs the unexpected ones; client errors are not server events.
        return None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if not query:
            raise MissingQueryError
        graphql_schema = self._schema
        try:
            document = self.guards.parse(query)
        except GraphQLError as error:
            return _refused(error)
        try:
            operation_type = get_operation_type(document, operation_name)
        except RuntimeError as error:
            raise CannotGetOperationTypeError(operation_name) from error
        allowed = (
            _DEFAULT_OPERATION_TYPES
            if allowed_operation_types is None
            else frozenset(allowed_operation_types)
        )
        if operation_type not in allowed:
            raise InvalidOperationTypeError(operation_type)
        errors = self.guards.validation_errors(query, graphql_schema)
        if errors:
            return ExecutionResult(data=None, errors=[coded(error) for error in errors])
        refusal = self.guards.costs.refusal(graphql_schema, query, operation_name, variable_values)
        if refusal is not None:
            return _refused(refusal)
        try:
            result = execute(
                graphql_schema,
                document,
                root_value=root_value,
                context_value=context_value,
                variable_values=variable_values,
                operation_name=operation_name,
                is_awaitable=_IS_AWAITABLE,
                executor_class=self.execution_context_class,
                operation_extensions=operation_extensions,
            )
            if isawaitable(result):
                result = await result
        except Exception as error:  # as strawberry: what the executor raises is an error
            return _refused(_as_graphql_error(error))
        found = result.errors
        return ExecutionResult(
            data=result.data, errors=[coded(error) for error in found] if found else None
        )


def _as_graphql_error(error: Exception) -> GraphQLError:
    if isinstance(error, GraphQLError):
        return error
    return GraphQLError(str(error), original_error=error)


def _refused(error: GraphQLError) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[coded(error)])
