"""Redemption rules and quotes through the API: what points can pay at the till."""

from __future__ import annotations

from typing import Any

from tests.support.api import GraphQLClient, error_codes

CREATE = """mutation { createCustomer(input: {cardCode: "Q-1",
  idempotencyKey: "Q-1"}) { customer { id } } }"""
CREDIT = """mutation($id: ID!, $points: Int!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: "q"}) {
    userErrors { code } } }"""
RULES = """mutation($input: UpdateRedemptionRulesInput!) {
  updateRedemptionRules(input: $input) {
    rules { pointsPerUnit valuePerUnitMinor minCartMinor maxDiscountMinor maxDiscountBp
            excludeDiscounted productRules { kind key payable } }
    userErrors { field code message } } }"""
QUOTE = """query($id: ID!, $cart: [CartLineInput!]!) {
  quoteRedemption(customerId: $id, cart: $cart) {
    spendablePoints cartTotalMinor eligibleMinor maxPoints maxValueMinor reasons } }"""


def line(sku: str, qty: int, price: int, **more: Any) -> dict[str, Any]:
    return {"sku": sku, "quantity": qty, "unitPriceMinor": price, **more}


async def customer_with(gql: GraphQLClient, points: int) -> str:
    cid: str = (await gql.data(CREATE))["createCustomer"]["customer"]["id"]
    await gql.data(CREDIT, {"id": cid, "points": points})
    return cid


async def test_the_readme_checkout_example(gql: GraphQLClient, tokens: dict[str, str]) -> None:
    """Rules: 100 points = 1.00, at most 30% of the cart, carts from 10.00, gift cards and
    already discounted lines are not payable with points. A customer with 2,550 points buys
    2 x SHIRT at 12.50, 1 x SOCKS at 7.99 (discounted) and 1 x GIFT-CARD at 20.00: the cart is
    52.99, the eligible amount 25.00, and 30% of the cart is 15.89, so 1,589 points pay 15.89."""
    rules = (
        await gql.data(
            RULES,
            {
                "input": {
                    "maxDiscountBp": 3000,
                    "minCartMinor": 1000,
                    "excludeDiscounted": True,
                    "productRules": [{"kind": "SKU", "key": "GIFT-CARD", "payable": False}],
                }
            },
        )
    )["updateRedemptionRules"]
    assert rules["userErrors"] == []
    assert rules["rules"]["productRules"] == [{"kind": "SKU", "key": "GIFT-CARD", "payable": False}]
    cid = await customer_with(gql, 2550)
    cart = [
        line("SHIRT", 2, 1250),
        line("SOCKS", 1, 799, discounted=True),
        line("GIFT-CARD", 1, 2000),
    ]
    # The till (a cashier) asks
    quoted = await gql.as_(tokens["cashier"]).data(QUOTE, {"id": cid, "cart": cart})
    assert quoted["quoteRedemption"] == {
        "spendablePoints": 2550,
        "cartTotalMinor": 5299,
        "eligibleMinor": 2500,
        "maxPoints": 1589,
        "maxValueMinor": 1589,
        "reasons": [],
    }


async def test_reasons_when_points_cannot_pay(gql: GraphQLClient) -> None:
    await gql.data(
        RULES,
        {
            "input": {
                "minCartMinor": 5000,
                "productRules": [{"kind": "LINE", "key": "gifts", "payable": False}],
            }
        },
    )
    cid = await customer_with(gql, 300)
    quoted = (
        await gql.data(QUOTE, {"id": cid, "cart": [line("CARD", 1, 2000, productLine="gifts")]})
    )["quoteRedemption"]
    assert quoted["reasons"] == ["BELOW_MIN_CART", "NOTHING_ELIGIBLE"]
    assert (quoted["maxPoints"], quoted["maxValueMinor"]) == (0, 0)


async def test_bad_rules_are_refused_whole(gql: GraphQLClient) -> None:
    refused = (
        await gql.data(
            RULES, {"input": {"maxDiscountBp": 20000, "pointsPerUnit": 0, "minCartMinor": 500}}
        )
    )["updateRedemptionRules"]
    assert sorted((e["field"], e["code"]) for e in refused["userErrors"]) == [
        ("maxDiscountBp", "OUT_OF_RANGE"),
        ("pointsPerUnit", "OUT_OF_RANGE"),
    ]
    current = await gql.data("{ redemptionRules { pointsPerUnit minCartMinor maxDiscountBp } }")
    assert current["redemptionRules"] == {
        "pointsPerUnit": 100,
        "minCartMinor": 0,
        "maxDiscountBp": None,
    }


async def test_bad_carts_and_unknown_customers_are_typed_errors(gql: GraphQLClient) -> None:
    cid = await customer_with(gql, 100)
    negative = await gql.post(QUOTE, {"id": cid, "cart": [line("A", -1, 100)]})
    assert error_codes(negative) == ["BAD_USER_INPUT"]
    assert negative["errors"][0]["extensions"]["field"] == "cart.0.quantity"
    empty = await gql.post(QUOTE, {"id": cid, "cart": []})
    assert empty["errors"][0]["extensions"]["field"] == "cart"
    unknown = await gql.post(QUOTE, {"id": "999999", "cart": [line("A", 1, 100)]})
    assert error_codes(unknown) == ["NOT_FOUND"]
