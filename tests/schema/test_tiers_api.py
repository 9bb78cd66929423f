"""Tiers by rule over the API: the ladder set (after a dry run), customers moved up and
down by the evaluation, a category set by hand kept until it is released, and bad ladders
refused with the field at fault."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.loyalty import customer_with, events_of
from tests.support.refusals import assert_refused

SET_RULES = """mutation($input: SetTierRulesInput!) { setTierRules(input: $input) {
  rules { measure windowDays rungs { threshold category { name } } }
  moves { from { name } to { name } customers } movedCount dryRun
  userErrors { field code message } } }"""
# For refusals: a refused payload carries nothing but its userErrors.
SET_RULES_REFUSED = """mutation($input: SetTierRulesInput!) { setTierRules(input: $input) {
  rules { measure } movedCount userErrors { field code message } } }"""
RELEASE_REFUSED = """mutation($input: ReleaseCategoryOverrideInput!) {
  releaseCategoryOverride(input: $input) { releasedCount userErrors { field code message } } }"""
RULES = "{ tierRules { measure windowDays rungs { threshold category { name } } } }"
EVALUATE = "mutation { evaluateTiers { moves { from { name } to { name } customers } movedCount } }"
RELEASE = """mutation($input: ReleaseCategoryOverrideInput!) {
  releaseCategoryOverride(input: $input) {
    releasedCount moves { from { name } to { name } customers }
    customers { id categoryManual category { name } } userErrors { field code } } }"""
CATEGORY = """mutation($name: String!) { createPointCategory(input: {name: $name,
  earnMultiplier: "1", idempotencyKey: $name}) { category { id } } }"""
SET_CATEGORY = """mutation($cat: ID!, $ids: [ID!]) { setCustomerCategory(input: {categoryId: $cat,
  customerIds: $ids}) { updatedCount } }"""
RECORD = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  userErrors { code } } }"""
REFUND = """mutation($input: RefundPurchaseInput!) { refundPurchase(input: $input) {
  userErrors { code } } }"""
CUSTOMER = "query($id: ID!) { customer(id: $id) { categoryManual category { name } } }"


async def categories(gql: GraphQLClient) -> dict[str, str]:
    """Base (the default), Premium and VIP: their ids by name."""
    found = {
        c["name"]: c["id"]
        for c in (await gql.data("{ pointCategories { id name } }"))["pointCategories"]
    }
    for name in ("Premium", "VIP"):
        made = await gql.data(CATEGORY, {"name": name})
        found[name] = made["createPointCategory"]["category"]["id"]
    return found


async def buy(gql: GraphQLClient, customer: str, order: str, status: str, **lines: int) -> None:
    input = {
        "orderId": order,
        "status": status,
        "customerId": customer,
        "lines": [{"sku": s, "quantity": 1, "unitPriceMinor": p} for s, p in lines.items()],
    }
    assert (await gql.data(RECORD, {"input": input}))["recordPurchase"]["userErrors"] == []


async def refund(gql: GraphQLClient, order: str, sku: str) -> None:
    input = {
        "orderId": order,
        "idempotencyKey": f"r-{order}",
        "lines": [{"sku": sku, "quantity": 1}],
    }
    assert (await gql.data(REFUND, {"input": input}))["refundPurchase"]["userErrors"] == []


def moves(payload: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(m["from"]["name"], m["to"]["name"], m["customers"]) for m in payload["moves"]]


async def category_of(gql: GraphQLClient, customer: str) -> tuple[str, bool]:
    found = (await gql.data(CUSTOMER, {"id": customer}))["customer"]
    return found["category"]["name"], found["categoryManual"]


async def test_readme_tiers_worked_example(gql: GraphQLClient, engine: AsyncEngine) -> None:
    # Given Base (default), Premium and VIP, and five customers:
    ids = await categories(gql)
    ann, bob, chloe, dan, eve = [await customer_with(gql) for _ in range(5)]
    await buy(gql, ann, "A-1", "PAID", SHOES=60_000)  # Ann spent 600.00
    await buy(gql, bob, "B-1", "PAID", TV=190_000, CABLE=60_000)  # Bob 2,500.00,
    await refund(gql, "B-1", "CABLE")  # less 600.00 refunded
    await buy(gql, chloe, "C-1", "COMPLETED", COAT=190_000, SCARF=20_000)  # Chloe 2,100.00
    await buy(gql, dan, "D-1", "CREATED", SOFA=300_000)  # Dan's order is not paid yet
    await gql.data(SET_CATEGORY, {"cat": ids["VIP"], "ids": [eve]})  # Eve: VIP by hand
    ladder = {
        "measure": "LIFETIME_SPEND",
        "rungs": [
            {"categoryId": ids["Base"], "threshold": 0},
            {"categoryId": ids["Premium"], "threshold": 50_000},
            {"categoryId": ids["VIP"], "threshold": 200_000},
        ],
    }
    # When a marketer previews the ladder Base 0, Premium 500.00, VIP 2,000.00 of spend
    preview = (await gql.data(SET_RULES, {"input": {**ladder, "dryRun": True}}))["setTierRules"]
    # Then it would move Ann and Bob (1,900.00) to Premium, Chloe to VIP; nothing is saved
    assert moves(preview) == [("Base", "Premium", 2), ("Base", "VIP", 1)]
    assert (preview["movedCount"], preview["dryRun"]) == (3, True)
    assert (await gql.data(RULES))["tierRules"]["rungs"] == []
    # When the ladder is set and the tiers are evaluated
    saved = (await gql.data(SET_RULES, {"input": ladder}))["setTierRules"]
    assert [r["threshold"] for r in saved["rules"]["rungs"]] == [0, 50_000, 200_000]
    evaluated = (await gql.data(EVALUATE))["evaluateTiers"]
    assert moves(evaluated) == [("Base", "Premium", 2), ("Base", "VIP", 1)]
    # Then Dan stays in Base, and Eve, set by hand, stays VIP
    assert await category_of(gql, dan) == ("Base", False)
    assert await category_of(gql, eve) == ("VIP", True)
    # When Chloe returns the scarf (2,100.00 - 200.00 = 1,900.00), then she goes down
    await refund(gql, "C-1", "SCARF")
    assert moves((await gql.data(EVALUATE))["evaluateTiers"]) == [("VIP", "Premium", 1)]
    assert (await gql.data(EVALUATE))["evaluateTiers"]["movedCount"] == 0
    # When Eve is handed back to the rules, then they place her in Base at once
    released = (await gql.data(RELEASE, {"input": {"customerIds": [eve]}}))[
        "releaseCategoryOverride"
    ]
    assert (released["releasedCount"], moves(released)) == (1, [("VIP", "Base", 1)])
    assert released["customers"] == [
        {"id": eve, "categoryManual": False, "category": {"name": "Base"}}
    ]
    # And each move by the rules is a CategoryChanged event saying why
    by_rule = [e for e in await events_of(engine, "CategoryChanged") if e["reason"] == "RULE"]
    assert [(e["customer_id"], e["value"]) for e in by_rule] == [
        (int(ann), 60_000),
        (int(bob), 190_000),
        (int(chloe), 210_000),
        (int(chloe), 190_000),
        (int(eve), 0),
    ]


async def test_bad_ladders_are_refused_with_their_fields_and_nothing_is_written(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    ids = await categories(gql)
    no_zero = {"measure": "LIFETIME_SPEND", "rungs": [{"categoryId": ids["VIP"], "threshold": 5}]}
    await assert_refused(gql, engine, SET_RULES_REFUSED, no_zero, "rungs", "INVALID")
    twice = {
        "measure": "LIFETIME_SPEND",
        "rungs": [
            {"categoryId": ids["Base"], "threshold": 0},
            {"categoryId": ids["Base"], "threshold": 10},
        ],
    }
    await assert_refused(gql, engine, SET_RULES_REFUSED, twice, "rungs.1.categoryId", "DUPLICATE")
    no_window = {"measure": "POINTS_EARNED", "rungs": []}
    await assert_refused(gql, engine, SET_RULES_REFUSED, no_window, "windowDays", "REQUIRED")
    unknown = {"measure": "LIFETIME_SPEND", "rungs": [{"categoryId": "999", "threshold": 0}]}
    await assert_refused(gql, engine, SET_RULES_REFUSED, unknown, "rungs.0.categoryId", "NOT_FOUND")
    await assert_refused(gql, engine, RELEASE_REFUSED, {}, "customerIds", "REQUIRED")


async def test_marketers_set_the_rules_managers_release_and_cashiers_read_them(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    ids = await categories(gql)
    window = {
        "measure": "POINTS_EARNED",
        "windowDays": 365,
        "rungs": [{"categoryId": ids["Base"], "threshold": 0}],
    }
    marketer = gql.as_(tokens["marketer"])
    assert (await marketer.data(SET_RULES, {"input": window}))["setTierRules"]["userErrors"] == []
    cashier = gql.as_(tokens["cashier"])
    assert (await cashier.data(RULES))["tierRules"]["windowDays"] == 365
    ann = await customer_with(gql)
    release = {"input": {"customerIds": [ann]}}
    assert error_codes(await marketer.post(RELEASE, release)) == ["FORBIDDEN"]
    manager = gql.as_(tokens["manager"])
    assert (await manager.data(RELEASE, release))["releaseCategoryOverride"]["releasedCount"] == 0
