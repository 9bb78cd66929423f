"""The ledger policy's worked example (docs/ledger.md and docs/checkout.md): held points are
not spendable, the minimum balance to redeem applies to payments on an order only, and every
preview, quote and refusal quotes the same figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, points_of

RULES = """mutation { updateRedemptionRules(input: {minBalancePoints: 200}) {
  userErrors { code } } }"""
HOLD = """mutation($id: ID!) { holdPoints(input: {customerId: $id, orderId: "A", points: 700,
  idempotencyKey: "hold-a", cart: [{sku: "TV", quantity: 1, unitPriceMinor: 100000}]}) {
  hold { id } userErrors { code } } }"""
QUOTE = """query($id: ID!, $order: String!) { quoteRedemption(customerId: $id, orderId: $order,
  cart: [{sku: "SHIRT", quantity: 1, unitPriceMinor: 5000}]) {
  spendablePoints maxPoints reasons } }"""
REDEEM = """mutation($id: ID!, $order: String!, $points: Int!) {
  redeemPoints(input: {customerId: $id, orderId: $order, points: $points,
                       idempotencyKey: $order,
                       cart: [{sku: "SHIRT", quantity: 1, unitPriceMinor: 5000}]}) {
  redemption { valueMinor } userErrors { field code message } } }"""
PREVIEW = """query($id: ID!, $points: Int!) { previewAdjustment(customerId: $id, points: $points) {
  currentBalance projectedBalance allowed problems { field code message } } }"""
ADJUST = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    userErrors { field code message } } }"""
CAPTURE = """mutation($id: ID!) { captureHold(input: {holdId: $id}) {
  points { balance held spendable } userErrors { code } } }"""


async def test_docs_worked_example_of_held_points_and_the_minimum_balance(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a minimum balance to redeem of 200, and Ann with 1,000 points of which a till
    # holds 700 for order A
    await gql.data(RULES)
    ann = await customer_with(gql, 1000)
    hold: dict[str, Any] = (await gql.data(HOLD, {"id": ann}))["holdPoints"]
    assert await points_of(gql, ann) == {"balance": 1000, "held": 700, "spendable": 300}

    # Her 300 spendable points reach the minimum: 150 pay 1.50 on order B
    quote = (await gql.data(QUOTE, {"id": ann, "order": "B"}))["quoteRedemption"]
    assert quote == {"spendablePoints": 300, "maxPoints": 300, "reasons": []}
    paid = (await gql.data(REDEEM, {"id": ann, "order": "B", "points": 150}))["redeemPoints"]
    assert paid == {"redemption": {"valueMinor": 150}, "userErrors": []}
    assert await points_of(gql, ann) == {"balance": 850, "held": 700, "spendable": 150}

    # 150 spendable are below the minimum: no more points pay an order
    quote = (await gql.data(QUOTE, {"id": ann, "order": "C"}))["quoteRedemption"]
    assert quote == {"spendablePoints": 150, "maxPoints": 0, "reasons": ["BELOW_MIN_BALANCE"]}
    refused = (await gql.data(REDEEM, {"id": ann, "order": "C", "points": 50}))["redeemPoints"]
    assert refused["userErrors"] == [
        {
            "field": "points",
            "code": "INSUFFICIENT_POINTS",
            "message": "150 points are spendable (a balance of 850, 700 held); "
            "paying with points needs at least 200.",
        }
    ]

    # A manual debit is not a payment: the minimum does not apply, held points still do;
    # the preview says what the write then does
    too_much = {
        "field": "points",
        "code": "INSUFFICIENT_POINTS",
        "message": "150 points are spendable (a balance of 850, 700 held); 200 cannot be taken.",
    }
    preview = (await gql.data(PREVIEW, {"id": ann, "points": -200}))["previewAdjustment"]
    assert preview == {
        "currentBalance": 850,
        "projectedBalance": 650,
        "allowed": False,
        "problems": [too_much],
    }
    debit = await gql.data(ADJUST, {"id": ann, "points": -200, "key": "d1"})
    assert debit["adjustPoints"]["userErrors"] == [too_much]
    preview = (await gql.data(PREVIEW, {"id": ann, "points": -150}))["previewAdjustment"]
    assert (preview["allowed"], preview["projectedBalance"]) == (True, 700)
    debit = await gql.data(ADJUST, {"id": ann, "points": -150, "key": "d2"})
    assert debit["adjustPoints"]["userErrors"] == []
    assert await points_of(gql, ann) == {"balance": 700, "held": 700, "spendable": 0}

    # The capture spends the points its own hold reserved
    captured = (await gql.data(CAPTURE, {"id": hold["hold"]["id"]}))["captureHold"]
    assert captured == {"points": {"balance": 0, "held": 0, "spendable": 0}, "userErrors": []}
    await assert_ledger_sound(engine)
