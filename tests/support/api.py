"""A real uvicorn server on loopback running the app, and a small GraphQL client."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import jwt

from domain.staff.sessions import Clock, utc_now
from funnels.definitions.filters import FilterCheck
from tessera.app import create_app
from tessera.funnel_filters import CHECK_FILTER
from tessera.settings import Settings
from tests.support.serving import serving

# The secret the test server verifies customer JWTs with (at least 32 bytes, as HS256 needs).
TEST_JWT_SECRET = "tessera-test-secret-of-at-least-32-bytes"


def customer_token(external_ref: str, lifetime_s: int = 600) -> str:
    """What the shop's own login issues to a customer app: HS256, sub = externalRef, exp."""
    claims = {"sub": external_ref, "exp": int(time.time()) + lifetime_s}
    return jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")


@contextlib.asynccontextmanager
async def running_server(database_url: str, **overrides: Any) -> AsyncIterator[str]:
    """Serve the app on a free loopback port in this event loop; yields its base URL.

    Rate limits are lifted unless a test sets them: every test calls from 127.0.0.1, so one
    address's counters would otherwise be shared by the whole session."""
    check_filter: FilterCheck = overrides.pop("_check_filter", CHECK_FILTER)
    clock: Clock = overrides.pop("_clock", utc_now)
    values: dict[str, Any] = {
        "debug": True,
        "jwt_secret": TEST_JWT_SECRET,
        "rate_limit_vouchers": "1000000/minute",
        "rate_limit_failed_auth": "1000000/minute",
        "rate_limit_test_messages": "1000000/minute",
        "webhooks_allow_networks": "127.0.0.0/8",  # receivers on loopback
        **overrides,
    }
    settings = replace(Settings.from_env(), database_url=database_url, **values)
    async with serving(create_app(settings, check_filter=check_filter, clock=clock)) as url:
        yield url


@contextlib.asynccontextmanager
async def running_server_checking_filters(
    database_url: str, check_filter: FilterCheck
) -> AsyncIterator[str]:
    """As running_server, with funnel definitions' segment filters checked by
    `check_filter` (a test double of funnels.segments' checker)."""
    async with running_server(database_url, _check_filter=check_filter) as url:
        yield url


@contextlib.asynccontextmanager
async def running_server_on_clock(
    database_url: str, clock: Clock, **overrides: Any
) -> AsyncIterator[str]:
    """As running_server, with console sessions and sign-in lockouts judged by `clock` (a
    test's ManualClock, moved instead of sleeping)."""
    async with running_server(database_url, _clock=clock, **overrides) as url:
        yield url


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
