"""The console's sign-in through its own operation files (console/Login, Viewer, Logout,
Shop), against a real server: a staff user signs in without a token, the console learns the
role and its permissions and the shop's currency, the session works on the role's fields
only, and signing out ends it."""

from __future__ import annotations

from typing import Any

import httpx
from contract_support import operation, run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import ROLE_PERMISSIONS, Permission, Role
from tests.support.api import GraphQLClient, customer_token, error_codes, running_server
from tests.support.staff import staff_user

PASSWORD = "marketing is an art"


def permissions(role: Role) -> list[str]:
    return [p.value for p in Permission if p in ROLE_PERMISSIONS[role]]


async def test_a_marketer_signs_in_sees_her_permissions_and_signs_out(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    await staff_user(clean_db, "mia@shop.example", "marketer", PASSWORD)
    anonymous = gql.as_(None)

    # When the sign-in page sends Login without a token
    login = "console/Login"
    wrong = await run(anonymous, login, {"input": {"email": "mia@shop.example", "password": "no"}})
    signed = await run_mutation(
        anonymous, login, {"input": {"email": "MIA@shop.example", "password": PASSWORD}}
    )

    # Then a wrong password is a user error, the right one a session for her role
    assert [e["code"] for e in wrong["login"]["userErrors"]] == ["INVALID_CREDENTIALS"]
    session = signed["session"]
    assert (session["email"], session["role"], session["idleTimeoutS"]) == (
        "mia@shop.example",
        "MARKETER",
        1800,
    )
    assert session["permissions"] == permissions(Role.MARKETER)

    # And Viewer with the session tells the console who she is and what she may do
    mia = gql.as_(session["token"])
    viewer: dict[str, Any] = (await run(mia, "console/Viewer"))["viewer"]
    assert viewer == {
        "kind": "SESSION",
        "name": "mia@shop.example",
        "email": "mia@shop.example",
        "role": "MARKETER",
        "permissions": permissions(Role.MARKETER),
    }
    # The server refuses what the role may not do (a marketer adjusts no points), whatever
    # the console shows
    adjust = operation("admin/AdjustPoints")
    variables = {"input": {"customerId": "1", "points": 5, "note": "n", "idempotencyKey": "k"}}
    assert error_codes(await mia.post(adjust, variables)) == ["FORBIDDEN"]

    # When she signs out, then the session's token is refused (401) from then on
    assert await run_mutation(mia, "console/Logout", {}) == {"signedOut": True, "userErrors": []}
    response = await gql.http.post(
        "/graphql",
        json={"query": operation("console/Viewer")},
        headers={"Authorization": f"Bearer {session['token']}"},
    )
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


async def test_viewer_with_an_api_token_and_without_any(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    viewer = (await run(gql.as_(tokens["cashier"]), "console/Viewer"))["viewer"]
    assert (viewer["kind"], viewer["role"], viewer["email"]) == ("API_TOKEN", "CASHIER", None)
    async with httpx.AsyncClient(base_url=str(gql.http.base_url)) as http:
        response = await http.post("/graphql", json={"query": operation("console/Viewer")})
    assert response.status_code == 401


async def test_the_shop_and_its_currency_for_staff_and_customers(
    database_url: str, clean_db: AsyncEngine, tokens: dict[str, str]
) -> None:
    # Given a shop that sells in yen (no minor units)
    async with (
        running_server(database_url, shop_name="Kissa", currency="JPY") as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        admin = GraphQLClient(http, tokens["admin"])
        ann = {"input": {"externalRef": "ann", "idempotencyKey": "ann"}}
        await run_mutation(admin, "admin/CreateCustomer", ann)
        yen = {"name": "Kissa", "currency": "JPY", "currencyDigits": 0}
        # When the console (any role, a viewer here) and a customer's app ask, then both
        # learn it
        assert (await run(admin.as_(tokens["viewer"]), "console/Shop"))["shop"] == yen
        customer = admin.as_(customer_token("ann"))
        assert (await run(customer, "customer-area/MyShop"))["shop"] == yen
        # And without a token there is nothing to read
        response = await http.post("/graphql", json={"query": operation("console/Shop")})
        assert response.status_code == 401


async def test_the_currency_of_a_shop_that_sets_none_is_euros(gql: GraphQLClient) -> None:
    assert (await run(gql, "console/Shop"))["shop"] == {
        "name": None,
        "currency": "EUR",
        "currencyDigits": 2,
    }
