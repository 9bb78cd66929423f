"""Refusals made before GraphQL execution (HTTP level), answered in the shape of every other
error: `{"errors": [{"message": ..., "extensions": {"code": ...}}]}` with a fitting status."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

logger = logging.getLogger("tessera.http")

# The code each HTTP status of a refusal carries (DESIGN section 4's codes only).
_CODES = {
    400: "BAD_USER_INPUT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "BAD_USER_INPUT",
    413: "BAD_USER_INPUT",
    415: "BAD_USER_INPUT",
    429: "RATE_LIMITED",
}


class Refusal(Exception):
    """A request refused before (or instead of) execution; `response()` answers it."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "BAD_USER_INPUT")
        self.headers = dict(headers or {})
        self.extensions = extensions

    def response(self) -> Response:
        return error_response(self.status, self.message, self.code, self.headers, **self.extensions)


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A GraphQL-shaped JSON error body with `status`."""
    coded = {"code": code or _CODES.get(status, "BAD_USER_INPUT"), **extensions}
    body = {"errors": [{"message": message, "extensions": coded}]}
    return Response(
        orjson.dumps(body), status_code=status, headers=headers, media_type="application/json"
    )


def internal_error_response(error: BaseException, where: str) -> Response:
    """Log `error` with a new request id and answer INTERNAL_SERVER_ERROR without internals."""
    request_id = new_request_id()
    logger.error("unexpected error (request %s) in %s", request_id, where, exc_info=error)
    return error_response(
        500,
        f"Internal server error (request id {request_id}).",
        "INTERNAL_SERVER_ERROR",
        requestId=request_id,
    )


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]
