"""Badges and member prices end to end, with the operation files: a marketer sets up badges
and price rules in the back office, the till prices a member's cart and quotes the points on
the priced cart, and the customer sees their badges in the customer area."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contract_support import customer_token, run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound

BADGES: list[dict[str, Any]] = [
    {"title": "Bronze", "minPoints": 100, "maxPoints": 499},
    {"title": "Silver", "minPoints": 500, "maxPoints": 1999},
    {"title": "Gold", "minPoints": 2000, "iconUrl": "https://cdn.example.com/gold.png"},
]
CART = [
    {"sku": "TEA-TIN", "quantity": 2, "unitPriceMinor": 1250, "productLine": "TEA"},
    {"sku": "BEANS", "quantity": 1, "unitPriceMinor": 1899, "productLine": "COFFEE"},
    {"sku": "MUG", "quantity": 3, "unitPriceMinor": 899, "productLine": "KITCHEN"},
    {"sku": "SOCKS", "quantity": 1, "unitPriceMinor": 799, "discounted": True},
]


async def _badges(marketer: GraphQLClient) -> dict[str, str]:
    ids: dict[str, str] = {}
    for badge in BADGES:
        created = await run_mutation(
            marketer,
            "admin/CreateBadge",
            {"input": {**badge, "idempotencyKey": f"badge-{badge['title']}"}},
        )
        ids[badge["title"]] = created["badge"]["id"]
    return ids


async def _bea(admin: GraphQLClient) -> tuple[str, str]:
    """Bea, in the Premium category, with 600 points; her id and Premium's."""
    premium = await run_mutation(
        admin,
        "admin/CreatePointCategory",
        {"input": {"name": "Premium", "earnMultiplier": "2", "idempotencyKey": "premium"}},
    )
    created = await run_mutation(
        admin,
        "admin/CreateCustomer",
        {"input": {"externalRef": "bea-7", "firstName": "Bea", "idempotencyKey": "bea-7"}},
    )
    bea, premium_id = created["customer"]["id"], premium["category"]["id"]
    await run_mutation(
        admin,
        "admin/SetCustomerCategory",
        {"input": {"categoryId": premium_id, "customerIds": [bea]}},
    )
    adjustment = {"customerId": bea, "points": 600, "note": "welcome", "idempotencyKey": "bea"}
    await run_mutation(admin, "admin/AdjustPoints", {"input": adjustment})
    return bea, premium_id


async def _rules(marketer: GraphQLClient, badges: dict[str, str], premium: str) -> list[str]:
    now = datetime.now(UTC)
    rules: list[dict[str, Any]] = [
        {
            "name": "Silver and Gold: 10% off",
            "effect": "PERCENT",
            "percentBp": 1000,
            "condition": "ANY_BADGE",
            "badgeIds": [badges["Silver"], badges["Gold"]],
        },
        {
            "name": "Premium tea price",
            "effect": "MEMBER_PRICE",
            "memberPriceMinor": 899,
            "scope": "SKUS",
            "skus": ["TEA-TIN"],
            "condition": "CATEGORY",
            "categoryIds": [premium],
        },
        {
            "name": "Mug week: 1.00 off",
            "effect": "AMOUNT_OFF",
            "amountOffMinor": 100,
            "scope": "PRODUCT_LINES",
            "productLines": ["KITCHEN"],
            "validFrom": (now - timedelta(days=14)).isoformat(),
            "validUntil": (now - timedelta(days=7)).isoformat(),
        },
    ]
    ids = []
    for i, rule in enumerate(rules):
        created = await run_mutation(
            marketer, "admin/CreatePriceRule", {"input": {**rule, "idempotencyKey": f"rule-{i}"}}
        )
        ids.append(created["rule"]["id"])
    return ids


async def test_readme_worked_example_a_silver_premium_member_pays_member_prices(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    # Given Bronze/Silver/Gold badges, Bea (Premium, 600 points: Silver) and three rules
    marketer = gql.as_(tokens["marketer"])
    badges = await _badges(marketer)
    listed = (await run(marketer, "admin/Badges", {"activeOnly": True}))["badges"]
    assert [(b["title"], b["minPoints"], b["maxPoints"]) for b in listed] == [
        ("Bronze", 100, 499),
        ("Silver", 500, 1999),
        ("Gold", 2000, None),
    ]
    # (each re-synced its holders within its createBadge: a small program)
    assert {(b["resync"]["generation"], b["resync"]["status"]) for b in listed} == {(1, "DONE")}
    bea, premium = await _bea(gql)
    silver_ten, premium_tea, _ = await _rules(marketer, badges, premium)

    # When the till prices her cart
    till = gql.as_(tokens["cashier"])
    priced = (await run(till, "pos/PriceCart", {"customerId": bea, "cart": CART}))["priceCart"]

    # Then each line has its lowest member price, the rule that gave it and why
    lines = [
        (ln["sku"], ln["memberUnitPriceMinor"], ln["lineTotalMinor"], ln["discountMinor"])
        for ln in priced["lines"]
    ]
    assert lines == [
        ("TEA-TIN", 899, 1798, 702),
        ("BEANS", 1710, 1710, 189),
        ("MUG", 810, 2430, 267),
        ("SOCKS", 799, 799, 0),
    ]
    tea, beans, mug, socks = (ln["appliedRule"] for ln in priced["lines"])
    assert tea == {
        "ruleId": premium_tea,
        "name": "Premium tea price",
        "effect": "MEMBER_PRICE",
        "condition": "CATEGORY",
        "badgeIds": [],
        "categoryId": premium,
        "segment": None,
    }
    assert (beans["ruleId"], beans["condition"], beans["badgeIds"]) == (
        silver_ten,
        "ANY_BADGE",
        [badges["Silver"]],
    )
    assert mug["ruleId"] == silver_ten and socks is None
    assert (priced["totalMinor"], priced["discountMinor"], priced["memberTotalMinor"]) == (
        7895,
        1158,
        6737,
    )

    # When the till quotes the points on the priced cart (member unit prices)
    member_cart = [
        {**line, "unitPriceMinor": ln["memberUnitPriceMinor"]}
        for line, ln in zip(CART, priced["lines"], strict=True)
    ]
    quote = await run(till, "pos/QuoteRedemption", {"customerId": bea, "cart": member_cart})
    # Then the quote is on 67.37: her 600 points pay 6.00 of it
    assert quote["quoteRedemption"]["cartTotalMinor"] == 6737
    assert quote["quoteRedemption"]["maxValueMinor"] == 600

    # And in her customer area she sees Silver unlocked and Gold 1,400 points away
    mine = (await run(gql.as_(customer_token("bea-7")), "customer-area/MyBadges"))["me"]
    assert [u["badge"]["title"] for u in mine["badges"]["unlocked"]] == ["Silver"]
    assert [(n["badge"]["title"], n["pointsNeeded"]) for n in mine["badges"]["next"]] == [
        ("Gold", 1400)
    ]
    await assert_ledger_sound(engine)
