"""Bad checkout input (carts, points, holds) is refused with an error naming the field, and
nothing is written: no entry, no hold, no redemption."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.refusals import TOP_LEVEL, assert_refused

CREATE = """mutation { createCustomer(input: {cardCode: "BAD-1",
  idempotencyKey: "BAD-1"}) { customer { id } } }"""
CREDIT = """mutation($id: ID!) { adjustPoints(input: {customerId: $id, points: 1000, note: "n",
  idempotencyKey: "bad-start"}) { userErrors { code } } }"""
REDEEM = """mutation($input: RedeemPointsInput!) { redeemPoints(input: $input) {
  redemption { id } userErrors { field code message } } }"""
HOLD = """mutation($input: HoldPointsInput!) { holdPoints(input: $input) {
  hold { id } userErrors { field code message } } }"""
CAPTURE = """mutation($input: HoldIdInput!) { captureHold(input: $input) {
  hold { id } userErrors { field code message } } }"""
QUOTE = """query($id: ID!, $cart: [CartLineInput!]!) {
  quoteRedemption(customerId: $id, cart: $cart) { maxPoints } }"""
CART = [{"sku": "A", "quantity": 2, "unitPriceMinor": 2500}]


@pytest.fixture
async def customer_id(gql: GraphQLClient) -> str:
    cid: str = (await gql.data(CREATE))["createCustomer"]["customer"]["id"]
    await gql.data(CREDIT, {"id": cid})
    return cid


def line(**changes: Any) -> list[dict[str, Any]]:
    return [{**CART[0], **changes}]


def payment(customer_id: str, **changes: Any) -> dict[str, Any]:
    base = {
        "customerId": customer_id,
        "orderId": "B-1",
        "points": 500,
        "cart": CART,
        "idempotencyKey": "bad-key",
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not ...}


BAD_PAYMENTS = [
    ({"customerId": "999999"}, "customerId", "NOT_FOUND"),
    ({"customerId": "x"}, "customerId", "INVALID"),
    ({"orderId": " "}, "orderId", "REQUIRED"),
    ({"points": 0}, "points", "INVALID"),
    ({"points": -5}, "points", "INVALID"),
    ({"points": 1001}, "points", "INSUFFICIENT_POINTS"),
    ({"points": 1.5}, None, TOP_LEVEL),
    ({"cart": []}, "cart", "REQUIRED"),
    ({"cart": line(quantity=-1)}, "cart.0.quantity", "OUT_OF_RANGE"),
    ({"cart": line(quantity=0)}, "cart.0.quantity", "OUT_OF_RANGE"),
    ({"cart": line(unitPriceMinor=-100)}, "cart.0.unitPriceMinor", "OUT_OF_RANGE"),
    ({"cart": line(unitPriceMinor=12.5)}, None, TOP_LEVEL),
    ({"cart": line(sku="")}, "cart.0.sku", "REQUIRED"),
    ({"cart": line(unitPriceMinor=100)}, "points", "ABOVE_QUOTE"),  # 2.00 take 200 points
    ({"cart": ...}, None, TOP_LEVEL),
    ({"idempotencyKey": ""}, "idempotencyKey", "REQUIRED"),
]


@pytest.mark.parametrize(("changes", "field", "code"), BAD_PAYMENTS)
async def test_a_bad_redemption_is_refused_and_writes_nothing(
    gql: GraphQLClient,
    engine: AsyncEngine,
    customer_id: str,
    changes: dict[str, Any],
    field: str | None,
    code: str,
) -> None:
    await assert_refused(gql, engine, REDEEM, payment(customer_id, **changes), field, code)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        *BAD_PAYMENTS,
        ({"ttlSeconds": 0}, "ttlSeconds", "OUT_OF_RANGE"),
        ({"ttlSeconds": 8 * 24 * 3600}, "ttlSeconds", "OUT_OF_RANGE"),
    ],
)
async def test_a_bad_hold_is_refused_and_writes_nothing(
    gql: GraphQLClient,
    engine: AsyncEngine,
    customer_id: str,
    changes: dict[str, Any],
    field: str | None,
    code: str,
) -> None:
    await assert_refused(gql, engine, HOLD, payment(customer_id, **changes), field, code)


@pytest.mark.parametrize(
    ("hold_id", "field", "code"),
    [("424242", "holdId", "NOT_FOUND"), ("nope", "holdId", "INVALID")],
)
async def test_capturing_an_unknown_hold_is_refused(
    gql: GraphQLClient, engine: AsyncEngine, hold_id: str, field: str, code: str
) -> None:
    await assert_refused(gql, engine, CAPTURE, {"holdId": hold_id}, field, code)


@pytest.mark.parametrize(
    ("cart", "field"),
    [(line(quantity=-3), "cart.0.quantity"), ([], "cart")],
)
async def test_a_bad_cart_cannot_be_quoted(
    gql: GraphQLClient, customer_id: str, cart: list[dict[str, Any]], field: str
) -> None:
    body = await gql.post(QUOTE, {"id": customer_id, "cart": cart})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field
