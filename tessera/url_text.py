"""A URL whose path or query string, once unescaped, holds text that no route could store (a
NUL from `%00`, or a lone surrogate where a server unescapes to one) is refused with 400
before routing, so every route, present and future, is covered without a check of its own.

PostgreSQL text cannot hold NUL and UTF-8 cannot encode a lone surrogate, so such a value
reaching a query would otherwise be an internal error. Bodies are checked where they are
read (schema/body.py); this is the same rule for the URL."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from schema.body import unsafe_text_reason
from schema.responses import error_response


class StorableUrlText:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = url_refusal(scope["path"], scope["query_string"])
            if refusal is not None:
                field, reason = refusal
                response = error_response(
                    400, f"{field}: the URL's text {reason}.", field=field, reason="INVALID"
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def url_refusal(path: str, query_string: bytes) -> tuple[str, str] | None:
    """Where and why a request's unescaped `path` or raw `query_string` cannot be served
    (`path` or the query parameter's name, and the reason), or None when it can."""
    reason = unsafe_text_reason(path)
    if reason is not None:
        return "path", reason
    if b"%00" not in query_string and b"\x00" not in query_string:
        return None  # the only escape of a NUL; a query string is unescaped as UTF-8 with
        # replacement characters, so it cannot yield a lone surrogate
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, errors="replace")
    for name, value in pairs:
        reason = unsafe_text_reason(name) or unsafe_text_reason(value)
        if reason is not None:
            return name, reason
    return None
