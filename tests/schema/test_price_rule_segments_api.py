"""Price rules on saved segments over the API: a marketer gives a member price to the
customers of a saved segment; priceCart gives it to a customer in the segment when the cart
is priced (and says which segment), to nobody else; a rule naming no segment, or one that
does not exist, is refused on `segment`; the segment cannot be deleted while a rule names
it; a segment that can no longer be evaluated is a rule left out, never a server error."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, customer_token, error_codes
from tests.support.loyalty import customer_with
from tests.support.refusals import assert_refused

SAVE = """mutation($name: String!, $f: JSON!) { saveSegment(input: {name: $name, filter: $f}) {
  userErrors { field code } } }"""
DELETE = """mutation($name: String!) { deleteSegment(input: {name: $name}) { deleted
  userErrors { field code message } } }"""
CREATE = """mutation($input: CreatePriceRuleInput!) { createPriceRule(input: $input) {
  rule { id condition segment badgeIds categoryIds } userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdatePriceRuleInput!) { updatePriceRule(input: $input) {
  rule { id condition segment } userErrors { field code message } } }"""
PRICE = """query($id: ID, $cart: [CartLineInput!]!) { priceCart(customerId: $id, cart: $cart) {
  lines { memberUnitPriceMinor appliedRule { ruleId condition segment } } } }"""
PURCHASE = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  userErrors { field code } } }"""

CART = [{"sku": "BEANS", "quantity": 1, "unitPriceMinor": 1899}]
# "Customers who spent over 500.00 in the last year" (money in minor units).
BIG_SPENDERS = {"spend": {"gt": 50_000, "within": "P1Y"}}
MEMBER_PRICE = {
    "name": "Big spenders' beans",
    "effect": "MEMBER_PRICE",
    "memberPriceMinor": 1499,
    "scope": "SKUS",
    "skus": ["BEANS"],
    "condition": "SEGMENT",
    "segment": "big-spenders",
    "idempotencyKey": "big-spenders-beans",
}


async def line(gql: GraphQLClient, customer_id: str | None) -> dict[str, Any]:
    priced = await gql.data(PRICE, {"id": customer_id, "cart": CART})
    found: dict[str, Any] = priced["priceCart"]["lines"][0]
    return found


async def purchase(gql: GraphQLClient, customer_id: str, order: str, total_minor: int) -> None:
    sale = {
        "orderId": order,
        "status": "PAID",
        "customerId": customer_id,
        "lines": [{"sku": "HAMPER", "quantity": 1, "unitPriceMinor": total_minor}],
    }
    assert (await gql.data(PURCHASE, {"input": sale}))["recordPurchase"]["userErrors"] == []


async def test_a_segment_member_price_follows_the_customers_purchases(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given "big-spenders" saved, a member price for it, Ann (spent 600.00) and Bob (100.00)
    marketer = gql.as_(tokens["marketer"])
    assert (await marketer.data(SAVE, {"name": "big-spenders", "f": BIG_SPENDERS}))["saveSegment"][
        "userErrors"
    ] == []
    created = (await marketer.data(CREATE, {"input": MEMBER_PRICE}))["createPriceRule"]
    assert created["userErrors"] == []
    rule = created["rule"]
    assert (rule["condition"], rule["segment"], rule["badgeIds"]) == (
        "SEGMENT",
        "big-spenders",
        [],
    )
    ann = await customer_with(gql, 0, ref="ann-s")
    bob = await customer_with(gql, 0, ref="bob-s")
    await purchase(gql, ann, "A-1", 60_000)
    await purchase(gql, bob, "B-1", 10_000)
    till = gql.as_(tokens["cashier"])
    # Then the till gives Ann the member price, and says why; Bob pays the shelf price
    assert await line(till, ann) == {
        "memberUnitPriceMinor": 1499,
        "appliedRule": {"ruleId": rule["id"], "condition": "SEGMENT", "segment": "big-spenders"},
    }
    assert await line(till, bob) == {"memberUnitPriceMinor": 1899, "appliedRule": None}
    # When Bob spends another 450.00, he is in the segment at his next pricing
    await purchase(gql, bob, "B-2", 45_000)
    assert (await line(till, bob))["memberUnitPriceMinor"] == 1499
    # And in her customer app, Ann prices her own cart at the member price too
    mine = await gql.data(PRICE, {"id": None, "cart": CART}, customer_token("ann-s"))
    assert mine["priceCart"]["lines"][0]["appliedRule"]["segment"] == "big-spenders"
    # And a caller with no token prices nothing
    anonymous = await gql.as_(None).post(PRICE, {"id": None, "cart": CART})
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]


async def test_a_rule_names_an_existing_segment_and_keeps_it_from_deletion(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    # A rule on a segment that does not exist, or on none, is refused on `segment`
    await assert_refused(gql, engine, CREATE, MEMBER_PRICE, "segment", "NOT_FOUND")
    nameless = {**MEMBER_PRICE, "segment": None}
    await assert_refused(gql, engine, CREATE, nameless, "segment", "REQUIRED")
    stray = {**MEMBER_PRICE, "condition": "NONE"}
    await assert_refused(gql, engine, CREATE, stray, "segment", "INVALID")
    # Once it is saved, the rule is made
    await marketer.data(SAVE, {"name": "big-spenders", "f": BIG_SPENDERS})
    rule = (await marketer.data(CREATE, {"input": MEMBER_PRICE}))["createPriceRule"]["rule"]
    # And the segment cannot be deleted while the rule names it
    used = (await marketer.data(DELETE, {"name": "big-spenders"}))["deleteSegment"]
    assert used["deleted"] is False
    (error,) = used["userErrors"]
    assert (error["field"], error["code"]) == ("name", "SEGMENT_IN_USE")
    assert f"price rule Big spenders' beans (id {rule['id']})" in error["message"]
    # A rule cannot be changed to name a segment that does not exist
    renamed = {"id": rule["id"], "segment": "nope"}
    await assert_refused(gql, engine, UPDATE, renamed, "segment", "NOT_FOUND")
    # When the rule goes to everyone, its segment is dropped and the segment can go
    changed = await marketer.data(UPDATE, {"input": {"id": rule["id"], "condition": "NONE"}})
    everyone = {"id": rule["id"], "condition": "NONE", "segment": None}
    assert changed["updatePriceRule"]["rule"] == everyone
    gone = (await marketer.data(DELETE, {"name": "big-spenders"}))["deleteSegment"]
    assert (gone["deleted"], gone["userErrors"]) == (True, [])


async def test_a_segment_that_cannot_be_evaluated_is_a_rule_left_out_not_an_error(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    # Given a member price on "vip", which names "gold", and "gold" deleted by hand since
    marketer = gql.as_(tokens["marketer"])
    await marketer.data(SAVE, {"name": "gold", "f": {"balance": {"gte": 1}}})
    await marketer.data(SAVE, {"name": "vip", "f": {"segment": "gold"}})
    await marketer.data(CREATE, {"input": {**MEMBER_PRICE, "segment": "vip"}})
    ann = await customer_with(gql, 10)
    assert (await line(gql, ann))["memberUnitPriceMinor"] == 1499
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM segments WHERE name = 'gold'"))
    # When her cart is priced, then it is, at the shelf price
    body = await gql.as_(tokens["cashier"]).post(PRICE, {"id": ann, "cart": CART})
    assert "errors" not in body, body
    shelf = {"memberUnitPriceMinor": 1899, "appliedRule": None}
    assert body["data"]["priceCart"]["lines"][0] == shelf
