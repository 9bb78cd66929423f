"""Price rules over the API: rules are created, listed, changed and retired by marketers;
priceCart prices a cart for a customer (a customer app for itself only); bad settings are
refused naming the field, writing nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, customer_token, error_codes
from tests.support.loyalty import customer_with
from tests.support.refusals import assert_refused

CREATE = """mutation($input: CreatePriceRuleInput!) { createPriceRule(input: $input) {
  rule { id name effect percentBp amountOffMinor memberPriceMinor scope skus condition
         badgeIds active }
  replayed userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdatePriceRuleInput!) { updatePriceRule(input: $input) {
  rule { id effect percentBp amountOffMinor active } userErrors { field code message } } }"""
PRICE = """query($id: ID, $cart: [CartLineInput!]!) { priceCart(customerId: $id, cart: $cart) {
  customerId lines { memberUnitPriceMinor appliedRule { ruleId badgeIds } }
  memberTotalMinor } }"""
RULES = """query($first: Int, $after: String) { priceRules(first: $first, after: $after) {
  nodes { name } pageInfo { hasNextPage endCursor } } }"""
BADGE = """mutation($input: CreateBadgeInput!) { createBadge(input: $input) {
  badge { id } userErrors { code } } }"""

CART = [{"sku": "TEA", "quantity": 2, "unitPriceMinor": 1000}]


async def create(gql: GraphQLClient, **input: Any) -> dict[str, Any]:
    values = {"name": "10% off", "effect": "PERCENT", "percentBp": 1000, **input}
    values.setdefault("idempotencyKey", f"rule-{values['name']}")
    payload: dict[str, Any] = (await gql.data(CREATE, {"input": values}))["createPriceRule"]
    return payload


async def silver(gql: GraphQLClient) -> str:
    created = await gql.data(
        BADGE, {"input": {"title": "Silver", "minPoints": 500, "idempotencyKey": "silver"}}
    )
    badge_id: str = created["createBadge"]["badge"]["id"]
    return badge_id


async def price(gql: GraphQLClient, cid: str | None, token: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = (await gql.data(PRICE, {"id": cid, "cart": CART}, token))["priceCart"]
    return found


async def test_a_badge_discount_follows_the_badge_and_the_rules_changes(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given a 10% discount for Silver holders, and Ann (Silver at 600) and Bob (100)
    badge = await silver(gql)
    marketer = gql.as_(tokens["marketer"])
    rule = await create(marketer, condition="ANY_BADGE", badgeIds=[badge])
    assert rule["userErrors"] == [] and rule["rule"]["badgeIds"] == [badge]
    ann, bob = await customer_with(gql, 600), await customer_with(gql, 100)
    till = gql.as_(tokens["cashier"])
    # Then Ann pays 9.00 a unit, because of her Silver badge; Bob pays the shelf price
    priced = await price(till, ann)
    assert priced["lines"][0] == {
        "memberUnitPriceMinor": 900,
        "appliedRule": {"ruleId": rule["rule"]["id"], "badgeIds": [badge]},
    }
    assert (await price(till, bob))["memberTotalMinor"] == 2000
    # When the rule becomes 2.50 off each unit, Ann pays 7.50
    changed = await marketer.data(
        UPDATE, {"input": {"id": rule["rule"]["id"], "effect": "AMOUNT_OFF", "amountOffMinor": 250}}
    )
    assert changed["updatePriceRule"]["rule"] == {
        "id": rule["rule"]["id"],
        "effect": "AMOUNT_OFF",
        "percentBp": None,
        "amountOffMinor": 250,
        "active": True,
    }
    assert (await price(till, ann))["memberTotalMinor"] == 1500
    # When Ann spends down to 400 she loses Silver, and with it the discount
    spend = """mutation($id: ID!) { adjustPoints(input: {customerId: $id, points: -200,
      note: "n", idempotencyKey: "spend"}) { userErrors { code } } }"""
    await gql.data(spend, {"id": ann})
    assert (await price(till, ann))["memberTotalMinor"] == 2000
    # When the rule is retired, nobody gets it
    await gql.data(spend.replace("-200", "200").replace("spend", "earn"), {"id": ann})
    assert (await price(till, ann))["memberTotalMinor"] == 1500
    await marketer.data(UPDATE, {"input": {"id": rule["rule"]["id"], "active": False}})
    assert (await price(till, ann))["memberTotalMinor"] == 2000


async def test_a_customer_app_prices_its_own_cart_only(gql: GraphQLClient) -> None:
    everyone = {"effect": "MEMBER_PRICE", "percentBp": None, "memberPriceMinor": 500}
    await create(gql, name="Everyone: 5.00 a unit", **everyone)
    ann = await customer_with(gql, 0, ref="ann-p")
    other = await customer_with(gql, 0, ref="other-p")
    app = customer_token("ann-p")
    mine = await price(gql, None, app)
    assert (mine["customerId"], mine["memberTotalMinor"]) == (ann, 1000)
    assert (await price(gql, ann, app))["customerId"] == ann
    body = await gql.post(PRICE, {"id": other, "cart": CART}, token=app)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_pricing_bad_carts_and_unknown_customers_are_bad_user_input(
    gql: GraphQLClient,
) -> None:
    cid = await customer_with(gql, 0)
    bad_line = [{"sku": "TEA", "quantity": 0, "unitPriceMinor": 1000}]
    body = await gql.post(PRICE, {"id": cid, "cart": bad_line})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "cart.0.quantity"
    assert error_codes(await gql.post(PRICE, {"id": "99999", "cart": CART})) == ["NOT_FOUND"]
    assert error_codes(await gql.post(PRICE, {"id": None, "cart": CART})) == ["BAD_USER_INPUT"]


async def test_bad_rule_settings_are_refused_naming_the_field_and_write_nothing(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    base = {"name": "R", "effect": "PERCENT", "percentBp": 1000, "idempotencyKey": "bad"}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"percentBp": 10_001}, "percentBp", "OUT_OF_RANGE"),  # over 100%
        ({"amountOffMinor": 100}, "amountOffMinor", "INVALID"),
        ({"effect": "AMOUNT_OFF", "percentBp": None}, "amountOffMinor", "REQUIRED"),
        ({"condition": "ANY_BADGE", "badgeIds": ["424242"]}, "badgeIds.0", "NOT_FOUND"),
        ({"condition": "CATEGORY", "categoryIds": ["424242"]}, "categoryIds.0", "NOT_FOUND"),
        ({"condition": "ALL_BADGES"}, "badgeIds", "REQUIRED"),
        ({"scope": "SKUS"}, "skus", "REQUIRED"),
        (
            {"validFrom": "2026-06-01T00:00:00Z", "validUntil": "2026-05-01T00:00:00Z"},
            "validUntil",
            "INVALID",
        ),
        ({"name": ""}, "name", "REQUIRED"),
    ]
    for changes, field, code in cases:
        await assert_refused(gql, engine, CREATE, {**base, **changes}, field, code)
    body = await gql.post(UPDATE, {"input": {"id": "424242", "active": False}})
    assert body["data"]["updatePriceRule"]["userErrors"][0]["code"] == "NOT_FOUND"
    made = await create(gql, name="Ok")
    await assert_refused(
        gql, engine, UPDATE, {"id": made["rule"]["id"], "percentBp": 0}, "percentBp", "OUT_OF_RANGE"
    )


async def test_rules_are_listed_newest_first_a_page_at_a_time_and_creates_replay(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    for name in ("First", "Second", "Third"):
        assert (await create(gql, name=name))["userErrors"] == []
    again = await create(gql, name="First")
    assert again["replayed"] is True and again["rule"]["name"] == "First"
    await assert_refused(
        gql,
        engine,
        CREATE,
        {"name": "First", "effect": "PERCENT", "percentBp": 2000, "idempotencyKey": "rule-First"},
        "idempotencyKey",
        "IDEMPOTENCY_CONFLICT",
    )
    viewer = gql.as_(tokens["viewer"])
    page = (await viewer.data(RULES, {"first": 2}))["priceRules"]
    assert [n["name"] for n in page["nodes"]] == ["Third", "Second"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await viewer.data(RULES, {"first": 2, "after": page["pageInfo"]["endCursor"]})
    assert [n["name"] for n in rest["priceRules"]["nodes"]] == ["First"]
    # Reading is VIEW_POINTS; changing is MANAGE_ENGAGEMENT
    refused = {"name": "X", "effect": "PERCENT", "percentBp": 1, "idempotencyKey": "c"}
    body = await gql.as_(tokens["cashier"]).post(CREATE, {"input": refused})
    assert error_codes(body) == ["FORBIDDEN"]
