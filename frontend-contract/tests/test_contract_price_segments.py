"""A member price for a saved segment end to end, with the operation files: the marketer
saves "big-spenders" (spent over 500.00 in the last year), the back office gives them a
member price on beans, the till prices Cleo's cart before and after her big purchase, and
the segment cannot be deleted while the rule names it (docs/segments.md's worked example
"In price rules")."""

from __future__ import annotations

from contract_support import run, run_mutation

from tests.support.api import GraphQLClient

BIG_SPENDERS = {"spend": {"gt": 50_000, "within": "P1Y"}}
CART = [
    {"sku": "BEANS", "quantity": 2, "unitPriceMinor": 1899, "productLine": "COFFEE"},
    {"sku": "MUG", "quantity": 1, "unitPriceMinor": 899, "productLine": "KITCHEN"},
]


async def test_readme_worked_example_big_spenders_get_a_member_price_once_they_spend(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given the saved segment and a member price of 14.99 on beans for it
    marketer = gql.as_(tokens["marketer"])
    await run_mutation(
        marketer,
        "marketer/SaveSegment",
        {"input": {"name": "big-spenders", "filter": BIG_SPENDERS}},
    )
    rule = {
        "name": "Big spenders' beans",
        "effect": "MEMBER_PRICE",
        "memberPriceMinor": 1499,
        "scope": "SKUS",
        "skus": ["BEANS"],
        "condition": "SEGMENT",
        "segment": "big-spenders",
        "idempotencyKey": "big-spenders-beans",
    }
    created = (await run_mutation(marketer, "admin/CreatePriceRule", {"input": rule}))["rule"]
    assert (created["condition"], created["segment"]) == ("SEGMENT", "big-spenders")
    cleo = (
        await run_mutation(
            gql,
            "admin/CreateCustomer",
            {"input": {"externalRef": "cleo-3", "firstName": "Cleo", "idempotencyKey": "c3"}},
        )
    )["customer"]["id"]
    till = gql.as_(tokens["cashier"])

    # When the till prices Cleo's cart, she has bought nothing yet: shelf prices
    before = (await run(till, "pos/PriceCart", {"customerId": cleo, "cart": CART}))["priceCart"]
    assert [ln["appliedRule"] for ln in before["lines"]] == [None, None]
    assert before["memberTotalMinor"] == 4697

    # When she buys a 520.00 hamper, paid
    sale = {
        "orderId": "T1-0520",
        "status": "PAID",
        "customerId": cleo,
        "lines": [{"sku": "HAMPER", "quantity": 1, "unitPriceMinor": 52_000}],
    }
    await run_mutation(till, "pos/RecordPurchase", {"input": sale})

    # Then her next cart has the beans at 14.99, and the till shows why
    after = (await run(till, "pos/PriceCart", {"customerId": cleo, "cart": CART}))["priceCart"]
    beans, mug = after["lines"]
    assert (beans["memberUnitPriceMinor"], beans["lineTotalMinor"]) == (1499, 2998)
    assert beans["appliedRule"] == {
        "ruleId": created["id"],
        "name": "Big spenders' beans",
        "effect": "MEMBER_PRICE",
        "condition": "SEGMENT",
        "badgeIds": [],
        "categoryId": None,
        "segment": "big-spenders",
    }
    assert mug["appliedRule"] is None
    assert (after["totalMinor"], after["discountMinor"], after["memberTotalMinor"]) == (
        4697,
        800,
        3897,
    )

    # And the marketer cannot delete the segment while the rule names it
    refused = (await run(marketer, "marketer/DeleteSegment", {"input": {"name": "big-spenders"}}))[
        "deleteSegment"
    ]
    assert refused["deleted"] is False
    assert [e["code"] for e in refused["userErrors"]] == ["SEGMENT_IN_USE"]
    assert "price rule Big spenders' beans" in refused["userErrors"][0]["message"]
