"""Guessing staff passwords (issue 11): the lockout after 5 failures and its backoff, exact
under concurrent attempts; the failed-authentication limit per client address; and input
no sign-in may answer with a 500. Through HTTP into a real server on a clock the tests
move (no sleeps)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import redis.asyncio
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.staff.tables import staff_login_failures
from tessera.ratelimit import KEY_PREFIX
from tests.support.api import GraphQLClient, running_server_on_clock
from tests.support.clocks import ManualClock
from tests.support.staff import LOGIN, PASSWORD, codes, login, staff_user

WRONG = "not the password, sorry"


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
async def console_url(database_url: str, clock: ManualClock) -> AsyncIterator[str]:
    async with running_server_on_clock(database_url, clock) as url:
        yield url


@pytest.fixture
async def gql(console_url: str, clean_db: AsyncEngine) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=console_url, timeout=120) as http:
        yield GraphQLClient(http, None)


def locked_for(payload: dict[str, Any]) -> int:
    """The wait a TOO_MANY_ATTEMPTS answer gives, checked against its message."""
    assert codes(payload) == ["TOO_MANY_ATTEMPTS"], payload
    assert payload["session"] is None
    seconds: int = payload["retryAfterS"]
    assert f"try again in {seconds} s" in payload["userErrors"][0]["message"]
    return seconds


async def test_five_failures_lock_the_account_for_30_s_doubling_up_to_15_minutes(
    gql: GraphQLClient, clean_db: AsyncEngine, clock: ManualClock
) -> None:
    await staff_user(clean_db, "ann@shop.example")
    # Given five wrong passwords in a row, each told so
    for _ in range(5):
        assert codes(await login(gql, "ann@shop.example", WRONG)) == ["INVALID_CREDENTIALS"]
    # When the right password is tried at once, then it is refused for 30 s
    assert locked_for(await login(gql, "ann@shop.example")) == 30
    clock.advance(29)
    assert locked_for(await login(gql, "ann@shop.example")) == 1
    # And each further failure after a lock doubles the next: 60, 120, ... up to 900 s
    waits = []
    for lock_s in (30, 60, 120, 240, 480, 900):
        clock.advance(lock_s)
        assert codes(await login(gql, "ann@shop.example", WRONG)) == ["INVALID_CREDENTIALS"]
        waits.append(locked_for(await login(gql, "ann@shop.example", WRONG)))
    assert waits == [60, 120, 240, 480, 900, 900]
    # When the lock has passed, the right password signs in
    clock.advance(900)
    assert (await login(gql, "ann@shop.example"))["session"]["email"] == "ann@shop.example"
    # And the success forgot the failures: four more are not a lock, a fifth is (30 s)
    for _ in range(4):
        assert codes(await login(gql, "ann@shop.example", WRONG)) == ["INVALID_CREDENTIALS"]
    assert codes(await login(gql, "ann@shop.example")) == []
    for _ in range(5):
        assert codes(await login(gql, "ann@shop.example", WRONG)) == ["INVALID_CREDENTIALS"]
    assert locked_for(await login(gql, "ann@shop.example")) == 30


async def test_an_unknown_email_locks_alike_so_the_lockout_tells_no_account_apart(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    await staff_user(clean_db, "ann@shop.example")
    known, unknown = [], []
    for _ in range(6):
        known.append(await login(gql, "ann@shop.example", WRONG))
        unknown.append(await login(gql, "nobody@shop.example", WRONG))
    assert known == unknown
    assert locked_for(known[-1]) == 30


async def test_twenty_concurrent_wrong_passwords_are_five_verified_failures_and_a_lock(
    gql: GraphQLClient, clean_db: AsyncEngine, clock: ManualClock
) -> None:
    await staff_user(clean_db, "ann@shop.example")
    # When 20 wrong passwords arrive at once
    answers = await asyncio.gather(
        *(login(gql, "ann@shop.example", f"{WRONG} {n}") for n in range(20))
    )
    # Then exactly five were checked and failed, the other fifteen met the lock
    assert Counter(code for a in answers for code in codes(a)) == {
        "INVALID_CREDENTIALS": 5,
        "TOO_MANY_ATTEMPTS": 15,
    }
    assert {a["retryAfterS"] for a in answers if a["retryAfterS"] is not None} == {30}
    # And the count is five, not twenty: after the lock, one more failure locks for 60 s
    clock.advance(30)
    assert codes(await login(gql, "ann@shop.example", WRONG)) == ["INVALID_CREDENTIALS"]
    assert locked_for(await login(gql, "ann@shop.example")) == 60


async def test_an_address_quiet_for_a_day_starts_from_zero_even_among_many_quiet_ones(
    gql: GraphQLClient, clean_db: AsyncEngine, clock: ManualClock
) -> None:
    """Rule: "an address with no failure for a day starts from zero" (docs/security.md,
    "Lockout"): the attempt's own upsert counts it as the first failure when the address's
    last one is older than `Lockout.forget_after_s`, however many other quiet addresses
    are still waiting for the pruning (which deletes only a few per attempt)."""
    await staff_user(clean_db, "ann@shop.example")
    now = clock()
    # Given Ann failed 4 times two days ago, and 30 other addresses once three days ago
    async with clean_db.begin() as conn:
        await conn.execute(
            insert(staff_login_failures),
            [
                {
                    "email": f"guess{i}@shop.example",
                    "failures": 1,
                    "last_failed_at": now - timedelta(days=3),
                    "locked_until": None,
                }
                for i in range(30)
            ],
        )
        await conn.execute(
            insert(staff_login_failures).values(
                email="ann@shop.example",
                failures=4,
                last_failed_at=now - timedelta(days=2),
                locked_until=None,
            )
        )
    # When Ann mistypes once today
    assert codes(await login(gql, "ann@shop.example", WRONG)) == ["INVALID_CREDENTIALS"]
    # Then her right password still signs her in (one failure today is not a lockout)
    payload = await login(gql, "ann@shop.example")
    assert codes(payload) == [], payload
    assert payload["session"]["email"] == "ann@shop.example"
    # And an address locked two days ago after 9 failures counts afresh too: its fifth
    # failure today locks it for 30 s (not the 900 s a tenth failure in a row would)
    async with clean_db.begin() as conn:
        await conn.execute(
            insert(staff_login_failures).values(
                email="bob@shop.example",
                failures=9,
                last_failed_at=now - timedelta(days=2),
                locked_until=now - timedelta(days=2) + timedelta(seconds=480),
            )
        )
    for _ in range(5):
        assert codes(await login(gql, "bob@shop.example", WRONG)) == ["INVALID_CREDENTIALS"]
    assert locked_for(await login(gql, "bob@shop.example")) == 30


async def test_input_no_sign_in_may_answer_with_a_500(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    await staff_user(clean_db, "ann@shop.example")

    async def post(body: bytes | dict[str, Any], token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if isinstance(body, bytes):
            headers["content-type"] = "application/json"
            return await gql.http.post("/graphql", content=body, headers=headers)
        return await gql.http.post("/graphql", json=body, headers=headers)

    def attempt(email: str, password: str) -> dict[str, Any]:
        return {"query": LOGIN, "variables": {"input": {"email": email, "password": password}}}

    # A NUL or a lone surrogate in the password: refused as the request's fault (400)
    for password in ("abc\x00defghijklmn", "abc\ud800defghijklmn"):
        # json.dumps escapes them (\u0000, \ud800), as a JSON client sends them
        body = json.dumps(attempt("ann@shop.example", password)).encode()
        response = await post(body)
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # Written into the document itself: refused at validation
    literal = (
        'mutation { login(input: {email: "a@b.example", password: "x\\u0000y"}) { retryAfterS } }'
    )
    response = await post({"query": literal})
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # A 2 MB password: past the body limit (413); 20 kB: past the anonymous limit (401)
    assert (await post(attempt("ann@shop.example", "x" * 2_000_000))).status_code == 413
    assert (await post(attempt("ann@shop.example", "x" * 20_000))).status_code == 401
    # 1025 characters to 16 kB: a user error on the password, not a counted attempt
    for _ in range(6):
        payload = await login(gql, "ann@shop.example", "y" * 1025)
        assert payload["userErrors"] == [
            {"field": "password", "code": "OUT_OF_RANGE", "message": "At most 1024 characters."}
        ]
    assert (await login(gql, "ann@shop.example"))["session"] is not None
    # Addresses that are no address, or too long, or empty: user errors on the email
    for email, code in (
        ("", "REQUIRED"),
        ("ann", "INVALID"),
        ("ann@shop.example\u202e", "INVALID"),
        ("josé@shop.example", "INVALID"),
        ("a" * 250 + "@shop.example", "OUT_OF_RANGE"),
    ):
        payload = await login(gql, email, PASSWORD)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("email", code)]
    # An empty password
    assert codes(await login(gql, "ann@shop.example", "")) == ["REQUIRED"]


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


async def test_failed_sign_ins_count_against_the_address_failed_authentication_limit(
    database_url: str, clean_db: AsyncEngine, redis_url: str, clock: ManualClock
) -> None:
    await staff_user(clean_db, "ann@shop.example")
    async with (
        running_server_on_clock(
            database_url, clock, rate_limit_url=redis_url, rate_limit_failed_auth="3/minute"
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        gql = GraphQLClient(http, None)
        here = {"X-Forwarded-For": "198.51.100.61"}
        # Given three failed sign-ins from one address, at three different emails
        for n in range(3):
            payload = await login(gql, f"guess{n}@shop.example", WRONG, **here)
            assert codes(payload) == ["INVALID_CREDENTIALS"]
        # When the right password is tried from that address, then it is refused (429)
        response = await http.post(
            "/graphql",
            json={
                "query": LOGIN,
                "variables": {"input": {"email": "ann@shop.example", "password": PASSWORD}},
            },
            headers=here,
        )
        assert response.status_code == 429
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert 1 <= int(response.headers["retry-after"]) <= 60
        # While from another address it signs in
        there = {"X-Forwarded-For": "198.51.100.62"}
        assert (await login(gql, "ann@shop.example", **there))["session"] is not None
