"""Staff users signing in to the console (issue 11): the login mutation, its session tokens
on the same bearer mechanism as API tokens, and the one answer for every wrong credential.
Through HTTP into a real server whose clock the tests move (no sleeps)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import ROLE_PERMISSIONS, Permission, Role
from domain.staff.users import disable_user
from domain.uow import UnitOfWork
from tests.support.api import GraphQLClient, customer_token, error_codes, running_server_on_clock
from tests.support.clocks import ManualClock
from tests.support.staff import (
    LOGOUT,
    PASSWORD,
    VIEWER,
    codes,
    login,
    session_token,
    staff_user,
)

CUSTOMERS = "{ customers { nodes { id } } }"
ADJUST = (
    'mutation { adjustPoints(input: {customerId: "1", points: 1, note: "n", '
    'idempotencyKey: "k"}) { replayed } }'
)


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
async def console_url(database_url: str, clock: ManualClock) -> AsyncIterator[str]:
    async with running_server_on_clock(database_url, clock) as url:
        yield url


@pytest.fixture
async def gql(
    console_url: str, clean_db: AsyncEngine, tokens: dict[str, str]
) -> AsyncIterator[GraphQLClient]:
    """A client without a token (the sign-in page's), on an emptied database."""
    async with httpx.AsyncClient(base_url=console_url, timeout=60) as http:
        yield GraphQLClient(http, None)


def permission_names(role: Role) -> list[str]:
    return [p.value for p in Permission if p in ROLE_PERMISSIONS[role]]


async def test_given_a_cashier_when_signing_in_then_a_session_acting_with_the_cashier_role(
    gql: GraphQLClient, clean_db: AsyncEngine, clock: ManualClock
) -> None:
    # Given a cashier created with a mixed-case address
    await staff_user(clean_db, "Ann.Cash@Shop.Example", "cashier")

    # When she signs in typing her address in another case
    payload = await login(gql, "ann.cash@SHOP.example")

    # Then she gets a session for her role, with what the role may do
    session = payload["session"]
    assert payload["userErrors"] == []
    assert session["email"] == "ann.cash@shop.example"
    assert session["role"] == "CASHIER"
    assert session["permissions"] == permission_names(Role.CASHIER)
    assert session["idleTimeoutS"] == 1800
    assert datetime.fromisoformat(session["expiresAt"]) == clock.now + timedelta(hours=12)
    assert session["token"].startswith("tss_")

    # And the token works like an API token: a cashier looks customers up, may not adjust
    cashier = gql.as_(session["token"])
    assert (await cashier.data(CUSTOMERS))["customers"] == {"nodes": []}
    assert error_codes(await cashier.post(ADJUST)) == ["FORBIDDEN"]
    assert (await cashier.data(VIEWER))["viewer"] == {
        "kind": "SESSION",
        "name": "ann.cash@shop.example",
        "email": "ann.cash@shop.example",
        "role": "CASHIER",
        "permissions": permission_names(Role.CASHIER),
    }


async def test_an_admin_session_may_adjust_points(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    await staff_user(clean_db, "boss@shop.example", "admin")
    admin = gql.as_(await session_token(gql, "boss@shop.example"))
    body = await admin.post(ADJUST)
    # Allowed (the customer does not exist: a user error, not FORBIDDEN)
    assert error_codes(body) == []
    assert (await admin.data(VIEWER))["viewer"]["permissions"] == permission_names(Role.ADMIN)


async def test_wrong_password_unknown_email_and_disabled_user_get_the_same_answer(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    # Given a user, and a disabled one
    await staff_user(clean_db, "ann@shop.example")
    await staff_user(clean_db, "gone@shop.example")
    await disable_user(UnitOfWork(clean_db), "gone@shop.example")

    # When each is tried with a wrong password, an unknown address, or the right password
    # of the disabled user
    answers = [
        await login(gql, "ann@shop.example", "not the password at all"),
        await login(gql, "nobody@shop.example", PASSWORD),
        await login(gql, "gone@shop.example", PASSWORD),
    ]

    # Then the three answers are one and the same, and none opened a session
    assert answers[0] == answers[1] == answers[2]
    assert answers[0] == {
        "session": None,
        "retryAfterS": None,
        "userErrors": [
            {
                "field": None,
                "code": "INVALID_CREDENTIALS",
                "message": "The email or the password is wrong.",
            }
        ],
    }


async def test_an_api_token_caller_sees_itself_in_viewer_and_cannot_log_out(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    viewer = (await gql.as_(tokens["marketer"]).data(VIEWER))["viewer"]
    assert viewer == {
        "kind": "API_TOKEN",
        "name": "marketer",
        "email": None,
        "role": "MARKETER",
        "permissions": permission_names(Role.MARKETER),
    }
    out = (await gql.as_(tokens["marketer"]).data(LOGOUT))["logout"]
    assert out["signedOut"] is False
    assert codes(out) == ["INVALID"]
    assert "API token" in out["userErrors"][0]["message"]
    # And the token still works
    assert (await gql.as_(tokens["marketer"]).data(VIEWER))["viewer"]["kind"] == "API_TOKEN"


async def test_customers_and_anonymous_callers_are_refused_viewer_and_logout(
    gql: GraphQLClient,
) -> None:
    customer = gql.as_(customer_token("demo-ann"))
    assert error_codes(await customer.post(VIEWER)) == ["FORBIDDEN"]
    assert error_codes(await customer.post(LOGOUT)) == ["FORBIDDEN"]
    assert error_codes(await gql.post(VIEWER)) == ["UNAUTHENTICATED"]
    assert error_codes(await gql.post(LOGOUT)) == ["UNAUTHENTICATED"]


async def test_given_a_session_when_logging_out_then_its_token_is_refused_at_once(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    # Given a signed-in manager whose token was just used (so this process remembers it)
    await staff_user(clean_db, "max@shop.example", "manager")
    manager = gql.as_(await session_token(gql, "max@shop.example"))
    assert (await manager.data(VIEWER))["viewer"]["role"] == "MANAGER"

    # When she logs out
    out = (await manager.data(LOGOUT))["logout"]

    # Then the very next request with the token is refused: 401 UNAUTHENTICATED
    assert out == {"signedOut": True, "userErrors": []}
    response = await gql.http.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {manager.token}"}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # And signing in again opens a new session
    assert await session_token(gql, "max@shop.example") != manager.token


async def test_a_session_used_within_its_idle_timeout_lives_on_and_dies_when_left_idle(
    gql: GraphQLClient, clean_db: AsyncEngine, clock: ManualClock
) -> None:
    await staff_user(clean_db, "ivy@shop.example", "viewer")
    viewer = gql.as_(await session_token(gql, "ivy@shop.example"))
    # Given uses 29 minutes apart: each keeps the session alive
    for _ in range(3):
        clock.advance(29 * 60)
        assert (await viewer.data(VIEWER))["viewer"]["email"] == "ivy@shop.example"
    # When it is left alone for more than 30 minutes
    clock.advance(30 * 60 + 1)
    # Then it is refused, saying why
    body = await viewer.post(VIEWER)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "idle for more than 1800 s" in body["errors"][0]["message"]


async def test_a_session_ends_at_its_maximum_age_however_much_it_is_used(
    gql: GraphQLClient, clean_db: AsyncEngine, clock: ManualClock
) -> None:
    await staff_user(clean_db, "max@shop.example", "manager")
    manager = gql.as_(await session_token(gql, "max@shop.example"))
    opened = clock.now
    # Given a session used every 25 minutes for almost 12 hours
    while clock.now + timedelta(minutes=25) < opened + timedelta(hours=12):
        clock.advance(25 * 60)
        assert error_codes(await manager.post(VIEWER)) == []
    clock.now = opened + timedelta(hours=12) - timedelta(seconds=1)
    assert error_codes(await manager.post(VIEWER)) == []
    # When 12 hours have passed since it opened
    clock.advance(1)
    # Then it is refused
    body = await manager.post(VIEWER)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "maximum age (43200 s)" in body["errors"][0]["message"]


async def test_a_disabled_users_sessions_are_refused(
    gql: GraphQLClient, clean_db: AsyncEngine, clock: ManualClock
) -> None:
    # Given a cashier with two sessions, one of them just used (remembered by the server)
    await staff_user(clean_db, "cal@shop.example", "cashier")
    used = gql.as_(await session_token(gql, "cal@shop.example"))
    unused = gql.as_(await session_token(gql, "cal@shop.example"))
    assert error_codes(await used.post(VIEWER)) == []

    # When the user is disabled (by `tessera user disable`, in another process)
    change = await disable_user(UnitOfWork(clean_db), "cal@shop.example")
    assert change.sessions_ended == 2

    # Then the session the server had not seen is refused at once, the remembered one
    # within the server's 30 s cache, and signing in again is refused
    assert error_codes(await unused.post(VIEWER)) == ["UNAUTHENTICATED"]
    clock.advance(30)
    assert error_codes(await used.post(VIEWER)) == ["UNAUTHENTICATED"]
    assert codes(await login(gql, "cal@shop.example")) == ["INVALID_CREDENTIALS"]
