"""Rate limits (issue 8, item 10), against a real Redis through HTTP: voucher code attempts
per caller and per client address, failed authentications per address, counters shared by
several API processes, and what happens when Redis cannot be reached."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio

from tessera.ratelimit import KEY_PREFIX
from tests.support.api import running_server

CHECK = """query($code: String!) {
  checkVoucher(code: $code, cart: [{sku: "A", quantity: 1, unitPriceMinor: 100}]) { applies }
}"""
REDEEM = """mutation($code: String!, $key: String!) {
  redeemVoucher(input: {code: $code, orderId: "O-1", idempotencyKey: $key,
                        cart: [{sku: "A", quantity: 1, unitPriceMinor: 100}]}) { replayed }
}"""


@pytest.fixture
async def redis_url(broker_url: str) -> AsyncIterator[str]:
    """The test Redis, without counters left by an earlier run."""
    if not broker_url.startswith("redis://"):
        pytest.skip("rate limits are counted in Redis")
    client = redis.asyncio.Redis.from_url(broker_url)
    try:
        async for key in client.scan_iter(f"{KEY_PREFIX}*"):
            await client.delete(key)
        yield broker_url
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def serving(database_url: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        running_server(database_url, debug=False, **settings) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        yield http


async def call(
    http: httpx.AsyncClient,
    token: str,
    address: str,
    query: str = CHECK,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    """A request from `address` (the test server trusts loopback's X-Forwarded-For)."""
    return await http.post(
        "/graphql",
        json={"query": query, "variables": variables or {"code": "GUESS-1"}},
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": address},
    )


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert error["extensions"]["retryAfter"] == retry_after


def served(response: httpx.Response) -> bool:
    codes = {e["extensions"]["code"] for e in response.json().get("errors") or []}
    return response.status_code == 200 and "RATE_LIMITED" not in codes


async def test_voucher_attempts_are_limited_per_caller(
    database_url: str, redis_url: str, tokens: dict[str, str]
) -> None:
    async with serving(
        database_url, rate_limit_url=redis_url, rate_limit_vouchers="3/minute"
    ) as http:
        # Given a till that checks and redeems codes from several addresses
        answers = [
            await call(http, tokens["cashier"], "198.51.100.1"),
            await call(http, tokens["cashier"], "198.51.100.2"),
            await call(
                http, tokens["cashier"], "198.51.100.3", REDEEM, {"code": "GUESS-2", "key": "k"}
            ),
        ]
        # When it tries a fourth code within the minute
        fourth = await call(http, tokens["cashier"], "198.51.100.4")
        # Then the first three were answered and the fourth is refused with Retry-After
        assert all(served(a) for a in answers)
        assert_rate_limited(fourth)
        # While another till is not held back
        assert served(await call(http, tokens["admin"], "198.51.100.5"))


async def test_voucher_attempts_are_limited_per_address(
    database_url: str, redis_url: str, tokens: dict[str, str]
) -> None:
    async with serving(
        database_url, rate_limit_url=redis_url, rate_limit_vouchers="3/minute"
    ) as http:
        # Given three tokens guessing from one address
        address = "203.0.113.9"
        for role in ("cashier", "admin", "manager"):
            assert served(await call(http, tokens[role], address))
        # Then a fourth caller from that address is refused, one from elsewhere is not
        assert_rate_limited(await call(http, tokens["cashier"], address))
        assert served(await call(http, tokens["admin"], "203.0.113.10"))


async def test_two_api_processes_share_the_counter(
    database_url: str, redis_url: str, tokens: dict[str, str]
) -> None:
    limits = {"rate_limit_url": redis_url, "rate_limit_vouchers": "3/minute"}
    async with serving(database_url, **limits) as first, serving(database_url, **limits) as second:
        address = "192.0.2.77"
        assert served(await call(first, tokens["cashier"], address))
        assert served(await call(second, tokens["cashier"], address))
        assert served(await call(first, tokens["cashier"], address))
        assert_rate_limited(await call(second, tokens["cashier"], address))


async def test_failed_authentications_are_limited_per_address(
    database_url: str, redis_url: str, tokens: dict[str, str]
) -> None:
    async with serving(
        database_url, rate_limit_url=redis_url, rate_limit_failed_auth="2/minute"
    ) as http:
        address = "192.0.2.200"
        first = await call(http, "tes_guess-1", address, "{ __typename }")
        second = await call(http, "tes_guess-2", address, "{ __typename }")
        third = await call(http, "tes_guess-3", address, "{ __typename }")
        assert [first.status_code, second.status_code] == [401, 401]
        assert_rate_limited(third)
        # A valid token from that address still works (a shared address is not locked out),
        # and another address still gets its 401
        assert served(await call(http, tokens["viewer"], address, "{ __typename }"))
        elsewhere = await call(http, "tes_guess-4", "192.0.2.201", "{ __typename }")
        assert elsewhere.status_code == 401


async def test_other_operations_are_never_counted(
    database_url: str, redis_url: str, tokens: dict[str, str]
) -> None:
    async with serving(
        database_url, rate_limit_url=redis_url, rate_limit_vouchers="1/minute"
    ) as http:
        for n in range(5):
            response = await call(
                http,
                tokens["cashier"],
                "192.0.2.9",
                "query($code: String!) { customerByCard(code: $code) { id } }",
                {"code": f"CARD-{n}"},
            )
            assert served(response)
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        assert [key async for key in client.scan_iter(f"{KEY_PREFIX}*")] == []
    finally:
        await client.aclose()


async def test_an_unreachable_redis_fails_open(database_url: str, tokens: dict[str, str]) -> None:
    # Given counters on a Redis nothing listens on
    async with serving(
        database_url, rate_limit_url="redis://127.0.0.1:1/0", rate_limit_vouchers="1/minute"
    ) as http:
        # Then voucher checks are served (uncounted), not refused and not failed
        for _ in range(3):
            assert served(await call(http, tokens["cashier"], "192.0.2.50"))
