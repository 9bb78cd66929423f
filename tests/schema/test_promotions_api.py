"""Promotions (time windows that multiply earning, by product line and channel) and points
per product type (overrides by product line), over HTTP."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import CREATE_CUSTOMER
from tests.support.refusals import TOP_LEVEL, assert_refused

CREATE = """mutation($input: CreatePromotionInput!) { createPromotion(input: $input) {
  promotion { id name startsAt endsAt multiplier productLines channels active }
  userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdatePromotionInput!) { updatePromotion(input: $input) {
  promotion { id name multiplier active } userErrors { field code message } } }"""
LIST = """query($first: Int, $after: String, $activeOnly: Boolean) {
  promotions(first: $first, after: $after, activeOnly: $activeOnly) {
    nodes { name } pageInfo { hasNextPage endCursor } } }"""
RULES = """mutation($input: UpdateEarningRulesInput!) { updateEarningRules(input: $input) {
  rules { productOverrides { sku mode value } productLineOverrides { productLine mode value } }
  userErrors { field code message } } }"""
CATEGORY = """mutation { createPointCategory(input: {name: "Premium", earnMultiplier: "1.5",
  idempotencyKey: "premium"}) {
  category { id } } }"""
RECORD = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  pointsAwarded purchase { lines { sku productLine } } userErrors { field code message } } }"""
REFUND = """mutation($input: RefundPurchaseInput!) { refundPurchase(input: $input) {
  refund { pointsTaken } userErrors { field code } } }"""

WEEKEND = {
    "name": "Double points weekend",
    "startsAt": "2025-03-01T00:00:00Z",
    "endsAt": "2025-03-03T00:00:00Z",
    "multiplier": "2",
    "idempotencyKey": "weekend",
}
TEA = {
    "name": "Tea fortnight on the web",
    "startsAt": "2025-02-24T00:00:00Z",
    "endsAt": "2025-03-10T00:00:00Z",
    "multiplier": "3",
    "productLines": ["tea"],
    "channels": ["WEB"],
}
BASKET = [
    {"sku": "GREEN-TEA", "quantity": 2, "unitPriceMinor": 600, "productLine": "tea"},
    {"sku": "SHIRT", "quantity": 1, "unitPriceMinor": 2000},
    {"sku": "ESPRESSO", "quantity": 2, "unitPriceMinor": 400, "productLine": "coffee"},
    {"sku": "DECAF", "quantity": 1, "unitPriceMinor": 450, "productLine": "coffee"},
]


async def create(gql: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    keyed = {**values, "idempotencyKey": uuid4().hex}
    payload: dict[str, Any] = (await gql.data(CREATE, {"input": keyed}))["createPromotion"]
    assert payload["userErrors"] == [], payload["userErrors"]
    promotion: dict[str, Any] = payload["promotion"]
    return promotion


async def purchase(
    gql: GraphQLClient, cid: str, order: str, channel: str, occurred_at: str
) -> dict[str, Any]:
    values = {
        "orderId": order,
        "status": "PAID",
        "customerId": cid,
        "channel": channel,
        "occurredAt": occurred_at,
        "lines": BASKET,
    }
    payload: dict[str, Any] = (await gql.data(RECORD, {"input": values}))["recordPurchase"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def test_readme_promotions_example(gql: GraphQLClient, engine: AsyncEngine) -> None:
    """1 point per 1.00; coffee earns 5 points a unit, DECAF its own 2; a Premium customer
    (x1.5); a double points weekend on everything, and x3 on tea on the web for a fortnight.

    Saturday on the web: tea 12.00 at x3 (the higher of 2 and 3), SHIRT 20.00 at x2:
    floor((1200 x 3 + 2000 x 2) x 1.5 / 100) = 114, espresso 2 x 5 x 2 = 20, decaf 2 x 2 = 4:
    138. The same basket at the till that Saturday: tea at x2 only: 96 + 20 + 4 = 120. At the
    till on Wednesday: floor(3200 x 1.5 / 100) + 10 + 2 = 60. Refunding one tea of the web
    order after the tea promotion was switched off takes back 138 - (87 + 20 + 4) = 27."""
    rules = await gql.data(
        RULES,
        {
            "input": {
                "productOverrides": [{"sku": "DECAF", "mode": "FIXED_PER_UNIT", "value": 2}],
                "productLineOverrides": [
                    {"productLine": "coffee", "mode": "FIXED_PER_UNIT", "value": 5}
                ],
            }
        },
    )
    assert rules["updateEarningRules"]["rules"]["productLineOverrides"] == [
        {"productLine": "coffee", "mode": "FIXED_PER_UNIT", "value": 5}
    ]
    premium = (await gql.data(CATEGORY))["createPointCategory"]["category"]["id"]
    made = await gql.data(
        CREATE_CUSTOMER, {"input": {"categoryId": premium, "idempotencyKey": "p"}}
    )
    cid = made["createCustomer"]["customer"]["id"]
    await create(gql, WEEKEND)
    tea = await create(gql, TEA)
    assert (tea["multiplier"], tea["productLines"], tea["channels"]) == ("3.0000", ["tea"], ["WEB"])

    web = await purchase(gql, cid, "W-1", "WEB", "2025-03-01T10:00:00Z")
    assert web["pointsAwarded"] == 138
    assert web["purchase"]["lines"][0] == {"sku": "GREEN-TEA", "productLine": "tea"}
    till = await purchase(gql, cid, "P-1", "POS", "2025-03-01T10:00:00+00:00")
    assert till["pointsAwarded"] == 120
    weekday = await purchase(gql, cid, "P-2", "POS", "2025-03-05T10:00:00Z")
    assert weekday["pointsAwarded"] == 60

    # When the tea promotion is switched off and one tea of the web order is refunded
    switched = await gql.data(UPDATE, {"input": {"id": tea["id"], "active": False}})
    assert switched["updatePromotion"]["promotion"]["active"] is False
    refund = {
        "orderId": "W-1",
        "idempotencyKey": "r-1",
        "lines": [{"sku": "GREEN-TEA", "quantity": 1}],
    }
    refunded = await gql.data(REFUND, {"input": refund})
    # Then it takes back what the order earned with the promotions it was awarded with
    assert refunded["refundPurchase"]["refund"]["pointsTaken"] == 27
    await assert_ledger_sound(engine)


async def test_a_promotion_starts_inclusive_and_ends_exclusive(gql: GraphQLClient) -> None:
    await create(gql, WEEKEND)
    made = await gql.data(CREATE_CUSTOMER, {"input": {"idempotencyKey": "c"}})
    cid = made["createCustomer"]["customer"]["id"]
    line = [{"sku": "A", "quantity": 1, "unitPriceMinor": 1000}]
    awarded = []
    for order, at in (
        ("a", "2025-02-28T23:59:59Z"),
        ("b", WEEKEND["startsAt"]),
        ("c", WEEKEND["endsAt"]),
    ):
        values = {
            "orderId": order,
            "status": "PAID",
            "customerId": cid,
            "occurredAt": at,
            "lines": line,
        }
        awarded.append(
            (await gql.data(RECORD, {"input": values}))["recordPurchase"]["pointsAwarded"]
        )
    assert awarded == [10, 20, 10]


async def test_a_purchase_a_promotion_takes_beyond_64_bits_is_a_ceiling_error_not_a_500(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: "Ceiling: no balance exceeds 1,000,000,000 points ... a write that would cross
    it is a user error" (DESIGN.md §3 Limits; docs/ledger.md, the ceiling applies to
    purchases) and bad input is a typed error, never INTERNAL_SERVER_ERROR (DESIGN.md §4).
    A promotion's multiplier (up to 100, docs/earning.md "Promotions and points per product
    type") only scales the points: however far past the ceiling it takes them, 64 bits
    included, the order is refused with the same BALANCE_LIMIT_EXCEEDED on `points` as any
    order over the ceiling, whether it is awarded when first reported or when reported
    again at its award status, and nothing is written (points_for gives any points beyond
    the ceiling as one past it: ledger.policy.credit_bound)."""
    made = await gql.data(CREATE_CUSTOMER, {"input": {"idempotencyKey": "c"}})
    cid = made["createCustomer"]["customer"]["id"]
    # Given 100 points per minor unit (allowed: pointsPerUnit up to 10^9, spendUnitMinor 1)
    rules = {"pointsPerUnit": 100, "spendUnitMinor": 1, "awardStatus": "PAID"}
    assert (await gql.data(RULES, {"input": rules}))["updateEarningRules"]["userErrors"] == []
    line = [{"sku": "TV", "quantity": 1, "unitPriceMinor": 10**15}]  # the money ceiling

    def order(order_id: str, at: str, status: str = "PAID") -> dict[str, object]:
        values = {"orderId": order_id, "status": status, "customerId": cid, "lines": line}
        return {"input": {**values, "occurredAt": at}}

    # When an order of 10^15 is reported with no promotion: 10^17 points, a user error
    plain = await gql.post(RECORD, order("before", "2025-01-15T12:00:00Z"))
    refused = plain["data"]["recordPurchase"]["userErrors"]
    assert [(e["field"], e["code"]) for e in refused] == [("points", "BALANCE_LIMIT_EXCEEDED")]
    # When the same order is made during a x100 promotion (10^19 points)
    await create(
        gql,
        {
            "name": "Hundredfold",
            "startsAt": "2025-03-01T00:00:00Z",
            "endsAt": "2025-03-02T00:00:00Z",
            "multiplier": "100",
        },
    )
    during = await gql.post(RECORD, order("during", "2025-03-01T12:00:00Z"))
    # Then it is refused the same way, as a user error on the points, not a 500
    assert not during.get("errors"), during.get("errors")
    assert during["data"]["recordPurchase"]["userErrors"] == refused
    # And an order recorded before its award status earns nothing yet, then is refused alike
    # when reported again at it
    created = await gql.data(RECORD, order("later", "2025-03-01T13:00:00Z", "CREATED"))
    assert created["recordPurchase"]["userErrors"] == []
    paid = await gql.post(RECORD, order("later", "2025-03-01T13:00:00Z"))
    assert not paid.get("errors"), paid.get("errors")
    assert paid["data"]["recordPurchase"]["userErrors"] == refused
    # And nothing was credited: the order reported CREATED stays as it was, unawarded
    async with engine.connect() as conn:
        recorded = (
            await conn.execute(
                text("SELECT order_id, status, points_earned, awarded_at FROM purchases")
            )
        ).all()
        entries = (await conn.execute(text("SELECT count(*) FROM ledger_entries"))).scalar_one()
    assert [tuple(r) for r in recorded] == [("later", "CREATED", 0, None)]
    assert entries == 0
    await assert_ledger_sound(engine)


async def test_promotions_are_listed_newest_first_a_page_at_a_time(gql: GraphQLClient) -> None:
    for name in ("First", "Second", "Third"):
        await create(gql, {**WEEKEND, "name": name, "active": name != "Second"})
    page = (await gql.data(LIST, {"first": 2}))["promotions"]
    assert [p["name"] for p in page["nodes"]] == ["Third", "Second"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql.data(LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]})
    assert [p["name"] for p in rest["promotions"]["nodes"]] == ["First"]
    active = (await gql.data(LIST, {"activeOnly": True}))["promotions"]["nodes"]
    assert [p["name"] for p in active] == ["Third", "First"]


async def test_bad_promotions_and_product_lines_are_refused_and_write_nothing(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    for changes, field, code in (
        ({"endsAt": WEEKEND["startsAt"]}, "endsAt", "INVALID"),
        ({"multiplier": "0"}, "multiplier", "OUT_OF_RANGE"),
        ({"multiplier": "100.5"}, "multiplier", "OUT_OF_RANGE"),
        ({"multiplier": "1.23456"}, "multiplier", "INVALID"),
        ({"name": " "}, "name", "REQUIRED"),
        ({"startsAt": "2025-03-01T00:00:00"}, "startsAt", "INVALID"),
        ({"productLines": ["tea", " "]}, "productLines.1", "REQUIRED"),
        ({"productLines": [f"l{i}" for i in range(101)]}, "productLines", "OUT_OF_RANGE"),
        ({"channels": ["POS"] * 4}, "channels", "OUT_OF_RANGE"),
        ({"multiplier": "double"}, None, TOP_LEVEL),
    ):
        await assert_refused(gql, engine, CREATE, {**WEEKEND, **changes}, field, code)
    made = await create(gql, WEEKEND)
    await assert_refused(gql, engine, UPDATE, {"id": "999", "active": False}, "id", "NOT_FOUND")
    await assert_refused(
        gql,
        engine,
        UPDATE,
        {"id": made["id"], "endsAt": "2025-02-01T00:00:00Z"},
        "endsAt",
        "INVALID",
    )
    await assert_refused(
        gql,
        engine,
        RULES,
        {"productLineOverrides": [{"productLine": "tea", "mode": "PERCENT", "value": 0}]},
        "productLineOverrides.0.value",
        "OUT_OF_RANGE",
    )
    long_line = [{"sku": "A", "quantity": 1, "unitPriceMinor": 100, "productLine": "x" * 101}]
    await assert_refused(
        gql,
        engine,
        RECORD,
        {"orderId": "X", "status": "PAID", "customerId": "1", "lines": long_line},
        "lines.0.productLine",
        "OUT_OF_RANGE",
    )


async def test_marketers_run_promotions_and_cashiers_do_not(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer, cashier = gql.as_(tokens["marketer"]), gql.as_(tokens["cashier"])
    made = await create(marketer, WEEKEND)
    assert made["name"] == "Double points weekend"
    assert error_codes(await cashier.post(LIST)) == ["FORBIDDEN"]
    assert error_codes(await cashier.post(CREATE, {"input": WEEKEND})) == ["FORBIDDEN"]
