"""A real uvicorn server on loopback running the app, and a small GraphQL client."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import jwt
import uvicorn

from tessera.app import create_app
from tessera.settings import Settings

# The secret the test server verifies customer JWTs with (at least 32 bytes, as HS256 needs).
TEST_JWT_SECRET = "tessera-test-secret-of-at-least-32-bytes"


def customer_token(external_ref: str, lifetime_s: int = 600) -> str:
    """What the shop's own login issues to a customer app: HS256, sub = externalRef, exp."""
    claims = {"sub": external_ref, "exp": int(time.time()) + lifetime_s}
    return jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def running_server(database_url: str, **overrides: Any) -> AsyncIterator[str]:
    """Serve the app on a free loopback port in this event loop; yields its base URL.

    Rate limits are lifted unless a test sets them: every test calls from 127.0.0.1, so one
    address's counters would otherwise be shared by the whole session."""
    values: dict[str, Any] = {
        "debug": True,
        "jwt_secret": TEST_JWT_SECRET,
        "rate_limit_vouchers": "1000000/minute",
        "rate_limit_failed_auth": "1000000/minute",
        **overrides,
    }
    settings = replace(Settings.from_env(), database_url=database_url, **values)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + 15
    while not server.started:
        if task.done() or asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("the test server did not start")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    token: str | None = None

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The whole response body (data and errors). HTTP 200, or 401 for a caller refused
        before its request is read (no token, or one that does not verify)."""
        bearer = token if token is not None else self.token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code in (200, 401), response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The data of a response that must have no top-level errors."""
        body = await self.post(query, variables, token)
        assert not body.get("errors"), body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    def as_(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, token)


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]
