"""Vouchers and rewards through the frontends' own operation files: the back office makes a
campaign's codes and the catalogue, the till checks and redeems codes and trades points for
vouchers, the customer area shows how far each reward is and claims one."""

from __future__ import annotations

from typing import Any

from contract_support import customer_token, run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound

CART = [
    {"sku": "BEANS-1KG", "quantity": 2, "unitPriceMinor": 1850},
    {"sku": "MUG", "quantity": 1, "unitPriceMinor": 899},
]  # 45.99


async def _customer(gql: GraphQLClient, ref: str, name: str, points: int = 0) -> str:
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {"input": {"externalRef": ref, "firstName": name, "idempotencyKey": ref}},
    )
    customer_id: str = created["customer"]["id"]
    if points:
        adjustment = {"customerId": customer_id, "points": points, "note": "welcome"}
        await run_mutation(
            gql, "admin/AdjustPoints", {"input": {**adjustment, "idempotencyKey": ref}}
        )
    return customer_id


def _sale(code: str, customer_id: str, order_id: str) -> dict[str, Any]:
    """A RedeemVoucher input as the till sends it: one key per order and code."""
    return {
        "code": code,
        "customerId": customer_id,
        "orderId": order_id,
        "cart": CART,
        "idempotencyKey": f"{order_id}-voucher",
    }


async def test_a_campaigns_codes_are_made_assigned_and_redeemed_once_at_the_till(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given a spring campaign: three single-use codes for 10% off carts from 20.00
    spring = {
        "name": "Spring mailing",
        "count": 3,
        "prefix": "SPRING-",
        "kind": "PERCENT",
        "percentBp": 1000,
        "minCartMinor": 2000,
        "idempotencyKey": "spring-2027",
    }
    batch = (await run_mutation(gql, "admin/CreateVoucherBatch", {"input": spring}))["batch"]
    assert (batch["count"], batch["maxUses"], batch["percentBp"]) == (3, 1, 1000)
    listed = (await run(gql, "admin/Vouchers", {"filter": {"batchId": batch["id"]}}))["vouchers"]
    codes = [edge["node"]["code"] for edge in listed["edges"]]
    assert len(codes) == 3 and all(code.startswith("SPRING-") for code in codes)

    # And the first code reserved for Ann, who will get it by email
    ann = await _customer(gql, "shop-ann", "Ann")
    assigned = await run_mutation(
        gql, "admin/AssignVoucher", {"input": {"code": codes[0], "customerId": ann}}
    )
    assert assigned["voucher"]["customerId"] == ann

    # When Ann shows the code at the till (typed in lower case) with a 45.99 cart
    till = gql.as_(tokens["cashier"])
    typed = codes[0].lower()
    checked = (
        await run(till, "pos/CheckVoucher", {"code": typed, "cart": CART, "customerId": ann})
    )["checkVoucher"]
    # Then it takes 10% off, rounded down: 4.59
    assert (checked["applies"], checked["discountMinor"], checked["reasons"]) == (True, 459, [])
    small = [{"sku": "MUG", "quantity": 1, "unitPriceMinor": 899}]
    too_small = await run(till, "pos/CheckVoucher", {"code": typed, "cart": small})
    assert too_small["checkVoucher"]["reasons"] == [
        "ASSIGNED_TO_ANOTHER_CUSTOMER",
        "BELOW_MIN_CART",
    ]

    # When the cashier redeems it, and retries after a timeout, it is used once
    sale = _sale(typed, ann, "T1-0042")
    redeemed = await run_mutation(till, "pos/RedeemVoucher", {"input": sale})
    assert redeemed["redemption"]["discountMinor"] == 459
    assert redeemed["voucher"] == {"code": codes[0], "uses": 1, "maxUses": 1, "status": "USED_UP"}
    retried = await run_mutation(till, "pos/RedeemVoucher", {"input": sale})
    assert retried["replayed"] is True and retried["redemption"] == redeemed["redemption"]

    # Then another till cannot use it again, and the back office sees the one use
    other = _sale(typed, ann, "T2-0007")
    refused = (await run(till, "pos/RedeemVoucher", {"input": other}))["redeemVoucher"]
    assert [e["code"] for e in refused["userErrors"]] == ["VOUCHER_USED_UP"]
    used = (await run(gql, "admin/Vouchers", {"filter": {"status": "USED_UP"}}))["vouchers"]
    [node] = [edge["node"] for edge in used["edges"]]
    assert node["customer"] == {"id": ann, "firstName": "Ann"}
    assert [(r["orderId"], r["discountMinor"]) for r in node["redemptions"]["nodes"]] == [
        ("T1-0042", 459)
    ]
    await assert_ledger_sound(engine)


async def _catalogue(gql: GraphQLClient) -> dict[str, Any]:
    mug = {
        "name": "Coffee mug",
        "kind": "FREE_PRODUCT",
        "costPoints": 300,
        "stock": 10,
        "perCustomerLimit": 1,
        "voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG", "validityDays": 30},
        "idempotencyKey": "mug",
    }
    five_off = {
        "name": "5.00 off",
        "kind": "DISCOUNT",
        "costPoints": 800,
        "voucher": {"kind": "FIXED_AMOUNT", "valueMinor": 500},
        "idempotencyKey": "five-off",
    }
    created = [
        (await run_mutation(gql, "admin/CreateReward", {"input": reward}))["reward"]
        for reward in (mug, five_off)
    ]
    return {reward["name"]: reward for reward in created}


async def test_a_customer_sees_how_far_each_reward_is_claims_one_and_uses_it(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given a mug for 300 points (one per customer) and 5.00 off for 800, and Bea with 500
    catalogue = await _catalogue(gql)
    bea = await _customer(gql, "web-bea", "Bea", 500)
    app = gql.as_(customer_token("web-bea"))

    # When Bea opens her rewards, then the cheapest come first with the points still needed
    me = (await run(app, "customer-area/MyRewards"))["me"]
    assert me["points"] == {"spendable": 500}
    assert [(r["reward"]["name"], r["pointsNeeded"], r["claimable"]) for r in me["rewards"]] == [
        ("Coffee mug", 0, True),
        ("5.00 off", 300, False),
    ]

    # When she claims the mug (her app retries once), then 300 points buy one gift voucher
    mug_id = catalogue["Coffee mug"]["id"]
    claim = {"rewardId": mug_id, "idempotencyKey": "bea-mug"}
    claimed = await run_mutation(app, "customer-area/ClaimMyReward", claim)
    assert (claimed["voucher"]["kind"], claimed["voucher"]["giftSku"]) == ("GIFT_ITEM", "MUG")
    assert claimed["points"] == {"balance": 200, "spendable": 200}
    again = await run_mutation(app, "customer-area/ClaimMyReward", claim)
    assert again["replayed"] is True and again["voucher"] == claimed["voucher"]
    after = (await run(app, "customer-area/MyRewards"))["me"]["rewards"]
    assert (after[0]["pointsNeeded"], after[0]["reasons"]) == (
        100,
        ["INSUFFICIENT_POINTS", "LIMIT_REACHED"],
    )

    # Then her wallet shows the mug's voucher, ready to use
    wallet = (await run(app, "customer-area/MyVouchers", {"status": "ACTIVE"}))["me"]
    assert [(v["code"], v["giftSku"], v["uses"]) for v in wallet["vouchers"]["nodes"]] == [
        (claimed["voucher"]["code"], "MUG", 0)
    ]

    # When she brings the voucher to the till with a mug in her cart, the mug is free
    till = gql.as_(tokens["cashier"])
    sale = _sale(claimed["voucher"]["code"], bea, "T1-0050")
    redeemed = await run_mutation(till, "pos/RedeemVoucher", {"input": sale})
    assert redeemed["redemption"]["discountMinor"] == 899

    # Then her wallet no longer offers it, and lists it as used
    assert (await run(app, "customer-area/MyVouchers", {"status": "ACTIVE"}))["me"]["vouchers"][
        "nodes"
    ] == []
    used = (await run(app, "customer-area/MyVouchers"))["me"]["vouchers"]["nodes"]
    assert [(v["status"], v["uses"]) for v in used] == [("USED_UP", 1)]

    # And at the till a cashier claims for another customer, who has too few points
    cy = await _customer(gql, "shop-cy", "Cy", 700)
    five_off = {"rewardId": catalogue["5.00 off"]["id"], "customerId": cy, "idempotencyKey": "c"}
    short = (await run(till, "pos/ClaimReward", {"input": five_off}))["claimReward"]
    assert [(e["field"], e["code"]) for e in short["userErrors"]] == [
        ("rewardId", "INSUFFICIENT_POINTS")
    ]
    await assert_ledger_sound(engine)


async def test_the_till_trades_points_for_a_voucher_at_the_configured_rate(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given 100 points buy 1.00 of voucher, 5.00 to 50.00, valid 90 days
    rate = {
        "enabled": True,
        "pointsPerUnit": 100,
        "valuePerUnitMinor": 100,
        "validityDays": 90,
        "minValueMinor": 500,
        "maxValueMinor": 5000,
    }
    manager = gql.as_(tokens["manager"])
    configured = await run_mutation(manager, "admin/UpdateVoucherConversion", {"input": rate})
    assert configured["conversion"] == rate
    dan = await _customer(gql, "shop-dan", "Dan", 1200)

    # When Dan buys a 10.00 voucher at the till
    till = gql.as_(tokens["cashier"])
    bought = await run_mutation(
        till,
        "pos/ConvertPointsToVoucher",
        {"input": {"customerId": dan, "valueMinor": 1000, "idempotencyKey": "dan-10"}},
    )

    # Then 1,000 points pay for it and the voucher is worth 10.00
    assert bought["pointsSpent"] == 1000
    assert bought["points"] == {"balance": 200, "spendable": 200}
    assert bought["voucher"]["valueMinor"] == 1000 and bought["voucher"]["validUntil"]
    await assert_ledger_sound(engine)
