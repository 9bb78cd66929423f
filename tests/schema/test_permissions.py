"""Who may call what: anonymous callers, staff roles, customer JWTs, and bounded queries."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import TEST_JWT_SECRET, GraphQLClient, error_codes
from tests.support.mutations import (
    ADJUST,
    CREATE_CUSTOMER,
    CUSTOMER_OWN_MUTATIONS,
    MUTATIONS,
    RECORD,
    REFUND,
    SIGN_IN_MUTATIONS,
)
from tests.support.refusals import counts

JWT_SECRET = TEST_JWT_SECRET

ME = "{ me { id externalRef points { balance } ledger { nodes { id points } } } }"
CUSTOMERS = "{ customers { nodes { id } } }"
BY_ID = "query($id: ID!) { customer(id: $id) { id } }"
BY_CARD = "query($code: String!) { customerByCard(code: $code) { id points { balance } } }"


def assert_coded(body: dict[str, Any]) -> None:
    for error in body.get("errors") or []:
        assert error.get("extensions", {}).get("code"), error


def refused(body: dict[str, Any], code: str) -> str:
    """The message of a request refused with `code` at the top level."""
    assert_coded(body)
    assert error_codes(body) == [code], body
    message: str = body["errors"][0]["message"]
    return message


def sign(payload: dict[str, Any], secret: str | None = JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, secret, algorithm=algorithm)


def customer_jwt(sub: str | None, *, expires_in_s: int = 600, secret: str = JWT_SECRET) -> str:
    payload: dict[str, Any] = {"exp": int(time.time()) + expires_in_s}
    if sub is not None:
        payload["sub"] = sub
    return sign(payload, secret)


async def snapshot(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as conn:
        rule = (await conn.execute(text("SELECT points_per_unit FROM earning_rules"))).all()
    return {**await counts(engine), "rule": rule}


@pytest.fixture
async def ann(gql: GraphQLClient) -> str:
    """A customer with a card, an external ref and 100 points."""
    created = await gql.data(
        CREATE_CUSTOMER,
        {"input": {"externalRef": "ann-1", "cardCode": "CARD-ANN", "idempotencyKey": "ann-1"}},
    )
    cid: str = created["createCustomer"]["customer"]["id"]
    credit = await gql.data(
        ADJUST,
        {"input": {"customerId": cid, "points": 100, "note": "welcome", "idempotencyKey": "ann"}},
    )
    assert credit["adjustPoints"]["userErrors"] == []
    return cid


async def test_given_no_token_when_querying_then_unauthenticated_with_a_clear_message(
    gql: GraphQLClient,
) -> None:
    anonymous = gql.as_(None)
    message = refused(await anonymous.post(CUSTOMERS), "UNAUTHENTICATED")
    assert "Authorization: Bearer" in message
    refused(await anonymous.post(ME), "UNAUTHENTICATED")
    refused(await anonymous.post(*MUTATIONS["createCustomer"]), "UNAUTHENTICATED")


@pytest.mark.parametrize("token", ["tes_not-a-real-token", "garbage", "a.b.c"])
async def test_given_a_garbage_token_when_querying_then_unauthenticated(
    gql: GraphQLClient,
    token: str,
) -> None:
    message = refused(await gql.as_(token).post(CUSTOMERS), "UNAUTHENTICATED")
    assert "invalid token" in message


async def test_given_a_malformed_authorization_header_when_querying_then_unauthenticated(
    gql: GraphQLClient,
    tokens: dict[str, str],
) -> None:
    response = await gql.http.post(
        "/graphql", json={"query": CUSTOMERS}, headers={"Authorization": f"Token {tokens['admin']}"}
    )
    message = refused(response.json(), "UNAUTHENTICATED")
    assert "Bearer" in message


async def test_given_a_cashier_when_serving_at_the_till_then_lookup_and_purchase_work(
    gql: GraphQLClient,
    tokens: dict[str, str],
    ann: str,
    engine: AsyncEngine,
) -> None:
    cashier = gql.as_(tokens["cashier"])
    found = (await cashier.data(BY_CARD, {"code": "CARD-ANN"}))["customerByCard"]
    assert found == {"id": ann, "points": {"balance": 100}}
    recorded = (
        await cashier.data(
            RECORD,
            {
                "input": {
                    "orderId": "TILL-1",
                    "status": "PAID",
                    "cardCode": "CARD-ANN",
                    "lines": [{"sku": "A", "quantity": 1, "unitPriceMinor": 1000}],
                }
            },
        )
    )["recordPurchase"]
    assert recorded["userErrors"] == [] and recorded["pointsAwarded"] == 10
    refunded = await cashier.data(
        REFUND, {"input": {"orderId": "TILL-1", "idempotencyKey": "till-r"}}
    )
    assert refunded["refundPurchase"]["refund"]["pointsTaken"] == 10

    before = await snapshot(engine)
    for name in (
        "adjustPoints",
        "setCustomerCategory",
        "createPointCategory",
        "reverseLedgerEntry",
        "updateEarningRules",
        "updateRedemptionRules",
        "createVoucherBatch",
        "assignVoucher",
        "disableVouchers",
        "updateVoucherConversion",
        "createReward",
        "updateReward",
        "createGiftSchedule",
        "setTierRules",
        "evaluateTiers",
        "releaseCategoryOverride",
        "createCardSeries",
        "updateCardSeries",
        "exportCustomerData",
        "eraseCustomer",
    ):
        message = refused(await cashier.post(*MUTATIONS[name]), "FORBIDDEN")
        assert "Not allowed" in message
    assert await snapshot(engine) == before


async def test_given_a_viewer_when_reading_then_allowed_but_every_mutation_is_forbidden(
    gql: GraphQLClient,
    tokens: dict[str, str],
    ann: str,
    engine: AsyncEngine,
) -> None:
    viewer = gql.as_(tokens["viewer"])
    assert (await viewer.data(CUSTOMERS))["customers"]["nodes"] == [{"id": ann}]
    assert (await viewer.data(BY_ID, {"id": ann}))["customer"] == {"id": ann}
    assert (await viewer.data(BY_CARD, {"code": "CARD-ANN"}))["customerByCard"]["id"] == ann
    assert (await viewer.data("{ earningRules { pointsPerUnit } }"))["earningRules"]
    assert (await viewer.data("{ pointCategories { name } }"))["pointCategories"]

    before = await snapshot(engine)
    for name, (document, variables) in MUTATIONS.items():
        body = await viewer.post(document, variables)
        assert error_codes(body) == ["FORBIDDEN"], (name, body)
    assert await snapshot(engine) == before


async def test_every_mutation_of_the_schema_is_covered_by_the_viewer_test(
    gql: GraphQLClient,
) -> None:
    data = await gql.data("{ __schema { mutationType { fields { name } } } }")
    names = {f["name"] for f in data["__schema"]["mutationType"]["fields"]}
    assert names == set(MUTATIONS) | SIGN_IN_MUTATIONS


async def test_given_a_customer_jwt_when_reading_me_then_only_own_data(
    gql: GraphQLClient,
    ann: str,
) -> None:
    customer = gql.as_(customer_jwt("ann-1"))
    me = (await customer.data(ME))["me"]
    assert me["id"] == ann
    assert me["externalRef"] == "ann-1"
    assert me["points"] == {"balance": 100}
    assert [e["points"] for e in me["ledger"]["nodes"]] == [100]


async def test_given_a_customer_jwt_when_reaching_beyond_me_then_forbidden(
    gql: GraphQLClient,
    ann: str,
    engine: AsyncEngine,
) -> None:
    customer = gql.as_(customer_jwt("ann-1"))
    refused(await customer.post(BY_ID, {"id": ann}), "FORBIDDEN")
    refused(await customer.post(CUSTOMERS), "FORBIDDEN")
    refused(await customer.post(BY_CARD, {"code": "CARD-ANN"}), "FORBIDDEN")
    refused(await customer.post("{ earningRules { pointsPerUnit } }"), "FORBIDDEN")
    before = await snapshot(engine)
    for name, (document, variables) in MUTATIONS.items():
        if name in CUSTOMER_OWN_MUTATIONS:
            continue  # allowed on itself: tests/schema/test_reachability_api.py
        body = await customer.post(document, variables)
        assert error_codes(body) == ["FORBIDDEN"], (name, body)
    assert await snapshot(engine) == before


async def test_given_a_staff_token_when_asking_for_me_then_forbidden(
    gql: GraphQLClient,
) -> None:
    refused(await gql.post(ME), "FORBIDDEN")


INVALID_JWTS = {
    "expired": lambda: customer_jwt("ann-1", expires_in_s=-60),
    "wrong secret": lambda: customer_jwt("ann-1", secret="another-secret-of-32-bytes-or-more"),
    "no exp": lambda: sign({"sub": "ann-1"}),
    "no sub": lambda: customer_jwt(None),
    "alg none": lambda: sign({"sub": "ann-1", "exp": int(time.time()) + 600}, None, "none"),
}


@pytest.mark.parametrize("kind", list(INVALID_JWTS))
async def test_given_an_invalid_customer_jwt_when_reading_me_then_unauthenticated(
    gql: GraphQLClient,
    ann: str,
    kind: str,
) -> None:
    message = refused(await gql.as_(INVALID_JWTS[kind]()).post(ME), "UNAUTHENTICATED")
    assert "invalid token" in message


async def test_given_a_jwt_for_an_unknown_customer_when_reading_me_then_null(
    gql: GraphQLClient,
    ann: str,
) -> None:
    body = await gql.as_(customer_jwt("nobody-here")).post(ME)
    assert_coded(body)
    assert body.get("errors") is None
    assert body["data"] == {"me": None}


async def test_given_a_query_within_the_depth_limit_when_sent_then_it_runs(
    gql: GraphQLClient,
    ann: str,
) -> None:
    # The deepest real path: 7 levels.
    data = await gql.data(
        "{ customers { edges { node { ledger { edges { node { points } } } } } } }"
    )
    assert data["customers"]["edges"][0]["node"]["ledger"]["edges"][0]["node"]["points"] == 100


async def test_given_a_query_deeper_than_10_when_sent_then_refused_for_its_depth(
    gql: GraphQLClient,
) -> None:
    # Deeper than the schema goes, so other validation errors come too; all are coded and
    # one of them names the depth.
    deep = (
        "{ customers { edges { node { ledger { edges { node { a { b { c { d { e { f } } "
        "} } } } } } } } } }"
    )
    body = await gql.post(deep)
    assert_coded(body)
    assert set(error_codes(body)) == {"BAD_USER_INPUT"}
    assert any("depth" in e["message"] for e in body["errors"]), body


async def test_given_a_recursive_introspection_query_when_sent_then_refused_for_depth(
    gql: GraphQLClient,
) -> None:
    # strawberry's depth limit skips `__` fields; graphql-core's own introspection rule bounds
    # the `fields { type { fields ... } }` cycles that could grow a response exponentially.
    # (A straight `ofType { ofType { ... } }` chain only grows linearly and is allowed.)
    deep = (
        "{ __schema { types { fields { type { ofType { fields { type { ofType { fields { "
        "type { name } } } } } } } } } } }"
    )
    body = await gql.post(deep)
    assert_coded(body)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert "depth" in body["errors"][0]["message"]


async def test_given_a_marketer_then_vouchers_are_theirs_but_rewards_and_tills_are_not(
    gql: GraphQLClient,
    tokens: dict[str, str],
    engine: AsyncEngine,
) -> None:
    marketer = gql.as_(tokens["marketer"])
    created = await marketer.data(*MUTATIONS["createVoucherBatch"])
    assert created["createVoucherBatch"]["batch"]["id"]
    assert (await marketer.data("{ voucherBatches { nodes { name } } }"))["voucherBatches"]
    before = await snapshot(engine)
    for name in ("createReward", "updateReward", "redeemVoucher", "claimReward", "adjustPoints"):
        assert error_codes(await marketer.post(*MUTATIONS[name])) == ["FORBIDDEN"], name
    assert await snapshot(engine) == before
