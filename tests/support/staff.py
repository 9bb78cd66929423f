"""Staff users and console sign-ins for tests: create a user, log in through HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.staff.passwords import Passwords
from domain.staff.users import StaffUser, create_user
from domain.uow import UnitOfWork
from tests.support.api import GraphQLClient

PASSWORD = "correct horse battery staple"

LOGIN = """mutation Login($input: LoginInput!) {
  login(input: $input) {
    session { token expiresAt idleTimeoutS role permissions email }
    retryAfterS
    userErrors { field code message }
  }
}"""
LOGOUT = "mutation { logout { signedOut userErrors { field code message } } }"
VIEWER = "{ viewer { kind name email role permissions } }"


async def staff_user(
    engine: AsyncEngine, email: str, role: str = "cashier", password: str = PASSWORD
) -> StaffUser:
    return await create_user(UnitOfWork(engine), email, role, password, Passwords())


async def login(
    gql: GraphQLClient, email: str, password: str = PASSWORD, **headers: str
) -> dict[str, Any]:
    """The login payload, sent without a token (as the console's sign-in page sends it)."""
    response = await gql.http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"email": email, "password": password}}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    payload: dict[str, Any] = body["data"]["login"]
    return payload


async def session_token(gql: GraphQLClient, email: str, password: str = PASSWORD) -> str:
    payload = await login(gql, email, password)
    assert payload["userErrors"] == [], payload
    token: str = payload["session"]["token"]
    return token


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]
