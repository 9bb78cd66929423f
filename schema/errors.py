"""User errors in payloads, and the codes every top-level error carries."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, ErrorCode, NotAllowedError
from schema.responses import new_request_id

logger = logging.getLogger("tessera.graphql")

UserErrorCode = strawberry.enum(
    ErrorCode, name="UserErrorCode", description="Why an input was refused."
)


@strawberry.type(description="An input the mutation refused; nothing was written.")
class UserError:
    field: str | None = strawberry.field(description="Input path at fault, e.g. lines.0.quantity")
    code: UserErrorCode  # type: ignore[valid-type]
    message: str


def user_errors(error: DomainError) -> list[UserError]:
    return [UserError(field=p.field, code=p.code, message=p.message) for p in error.problems]


P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def payload_on_error(
    payload: Callable[..., R],
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Turn a DomainError raised by the resolver into `payload(user_errors=[...])`."""

    def decorate(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(resolver)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await resolver(*args, **kwargs)
            except DomainError as error:
                return payload(user_errors=user_errors(error))

        return wrapper

    return decorate


def query_error(error: DomainError) -> GraphQLError:
    """A query has no payload: its first problem becomes a top-level error naming the field
    and the reason (the user error code, e.g. OUT_OF_RANGE): NOT_FOUND for a missing object,
    BAD_USER_INPUT otherwise."""
    problem = error.problems[0]
    code = "NOT_FOUND" if problem.code is ErrorCode.NOT_FOUND else "BAD_USER_INPUT"
    return client_error(problem.message, code, field=problem.field, reason=problem.code.value)


async def answered(call: Awaitable[T]) -> T:
    """A query's domain answer; its refusal as a top-level error naming the argument."""
    try:
        return await call
    except DomainError as error:
        raise query_error(error) from error


def client_error(message: str, code: str = "BAD_USER_INPUT", **extra: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extra})


def coded(error: GraphQLError) -> GraphQLError:
    """The error with an `extensions.code`: BAD_USER_INPUT for the request's own faults,
    FORBIDDEN for a refused permission, and an unexpected error hidden behind a request id
    (INTERNAL_SERVER_ERROR, logged with its traceback)."""
    if error.extensions and "code" in error.extensions:
        return error
    original = error.original_error
    if error.path is None or original is None or isinstance(original, GraphQLError):
        # Parse, validation (depth limit included), variable coercion and other errors
        # raised on purpose: the request is at fault, not the server.
        extensions = original.extensions if isinstance(original, GraphQLError) else None
        error.extensions = {
            "code": "BAD_USER_INPUT",
            **_variable_field(error.message),
            **(extensions or {}),
            **(error.extensions or {}),
        }
        return error
    if isinstance(original, NotAllowedError):
        return GraphQLError(
            str(original), nodes=error.nodes, path=error.path, extensions={"code": "FORBIDDEN"}
        )
    request_id = new_request_id()
    logger.error("unexpected error (request %s) at %s", request_id, error.path, exc_info=original)
    return GraphQLError(
        f"Internal server error (request id {request_id}).",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    )


# graphql-core's variable coercion errors name the input path in their message only:
# "Variable '$input' has invalid value at .lines[0].sku: ...".
_VARIABLE_PATH = re.compile(r"Variable '\$(\w+)' has invalid value(?: at ([^:]+))?:")


def _variable_field(message: str) -> dict[str, str]:
    """{"field": "input.lines.0.sku"} for a variable coercion error, else {}."""
    found = _VARIABLE_PATH.match(message)
    if found is None:
        return {}
    path = re.sub(r"\[(\d+)\]", r".\1", found.group(2) or "")
    return {"field": found.group(1) + path}
