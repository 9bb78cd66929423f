"""The rewards catalogue: claims debit the points and issue the voucher, within stock and
per-customer limits even under concurrent claims; customers claim for themselves only and
see how far they are from each reward."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, customer_token, error_codes
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, events_of, points_of
from tests.support.refusals import counts

CREATE = """mutation($input: CreateRewardInput!) { createReward(input: $input) {
  reward { id name kind costPoints stock perCustomerLimit active claimed
           voucher { kind valueMinor percentBp giftSku validityDays } }
  userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateRewardInput!) { updateReward(input: $input) {
  reward { name costPoints stock perCustomerLimit active } userErrors { field code } } }"""
CLAIM = """mutation($input: ClaimRewardInput!) { claimReward(input: $input) {
  claim { id customerId pointsSpent entryId reward { stock claimed } }
  voucher { code kind giftSku percentBp maxUses customerId source status validUntil }
  points { balance spendable } replayed userErrors { field code message } } }"""
# A customer token's claim: without `reward.claimed` (all customers' claims, staff only)
MY_CLAIM = """mutation($input: ClaimRewardInput!) { claimReward(input: $input) {
  claim { id customerId pointsSpent entryId reward { stock } }
  voucher { code kind giftSku percentBp maxUses customerId source status validUntil }
  points { balance spendable } replayed userErrors { field code message } } }"""
STANDINGS = """query($id: ID!) { customer(id: $id) { rewards {
  reward { name costPoints } pointsNeeded claimed claimable reasons } } }"""
MY_REWARDS = "{ me { rewards { reward { name } pointsNeeded claimable reasons } } }"
HOLD = """mutation($id: ID!, $points: Int!) {
  holdPoints(input: {customerId: $id, points: $points, idempotencyKey: "hold",
                     orderId: "HOLD-1",
                     cart: [{sku: "A", quantity: 1, unitPriceMinor: 100000}]}) {
    userErrors { code } } }"""
LEDGER = """query($id: ID!) { customer(id: $id) { ledger(first: 1) {
  nodes { points kind sourceType source } } } }"""

MUG = {
    "name": "Mug",
    "kind": "FREE_PRODUCT",
    "costPoints": 300,
    "stock": 5,
    "perCustomerLimit": 1,
    "voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG", "validityDays": 60},
}


async def create(gql: GraphQLClient, **changes: Any) -> dict[str, Any]:
    reward = {**MUG, "idempotencyKey": uuid4().hex, **changes}
    payload: dict[str, Any] = (await gql.data(CREATE, {"input": reward}))["createReward"]
    return payload


async def reward_id(gql: GraphQLClient, **changes: Any) -> str:
    created = await create(gql, **changes)
    assert created["userErrors"] == [], created["userErrors"]
    rid: str = created["reward"]["id"]
    return rid


async def claim(
    gql: GraphQLClient, rid: str, key: str, customer: str | None = None, query: str = CLAIM
) -> dict[str, Any]:
    values = {"rewardId": rid, "idempotencyKey": key}
    if customer is not None:
        values["customerId"] = customer
    payload: dict[str, Any] = (await gql.data(query, {"input": values}))["claimReward"]
    return payload


def refusals(payload: dict[str, Any]) -> list[tuple[str, str]]:
    assert payload["claim"] is None
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_a_claim_debits_the_points_and_issues_the_voucher_once(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    created = await create(gql.as_(tokens["manager"]))
    assert created["reward"]["voucher"] == {
        "kind": "GIFT_ITEM",
        "valueMinor": None,
        "percentBp": None,
        "giftSku": "MUG",
        "validityDays": 60,
    }
    rid = created["reward"]["id"]
    ann = await customer_with(gql, 1000)
    till = gql.as_(tokens["cashier"])

    done = await claim(till, rid, "ann-mug", ann)
    assert done["userErrors"] == []
    assert (done["claim"]["pointsSpent"], done["points"]) == (
        300,
        {"balance": 700, "spendable": 700},
    )
    assert done["claim"]["reward"] == {"stock": 4, "claimed": 1}
    voucher = done["voucher"]
    assert (voucher["kind"], voucher["giftSku"], voucher["maxUses"]) == ("GIFT_ITEM", "MUG", 1)
    assert (voucher["customerId"], voucher["source"], voucher["status"]) == (
        ann,
        "REWARD",
        "ACTIVE",
    )
    [entry] = (await gql.data(LEDGER, {"id": ann}))["customer"]["ledger"]["nodes"]
    assert entry == {"points": -300, "kind": "REDEMPTION", "sourceType": "reward", "source": rid}

    again = await claim(till, rid, "ann-mug", ann)
    assert again["replayed"] is True and again["voucher"]["code"] == voucher["code"]
    assert again["points"]["balance"] == 700
    # The limit is one mug per customer: a second claim is refused, nothing written
    before = await counts(engine)
    assert refusals(await claim(till, rid, "ann-mug-2", ann)) == [("rewardId", "LIMIT_REACHED")]
    assert await counts(engine) == before
    [event] = await events_of(engine, "RewardClaimed")
    assert (event["customer_id"], event["points"], event["reward_id"]) == (int(ann), 300, int(rid))
    await assert_ledger_sound(engine)


async def test_a_discount_reward_issues_a_percent_voucher_that_works_at_the_till(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    rid = await reward_id(
        gql,
        name="10% off",
        kind="DISCOUNT",
        stock=None,
        perCustomerLimit=None,
        voucher={"kind": "PERCENT", "percentBp": 1000},
    )
    cid = await customer_with(gql, 300)
    voucher = (await claim(gql, rid, "ten", cid))["voucher"]
    assert (voucher["kind"], voucher["percentBp"], voucher["validUntil"]) == ("PERCENT", 1000, None)
    redeem = """mutation($code: String!, $id: ID!) { redeemVoucher(input: {code: $code,
      customerId: $id, orderId: "D-1", idempotencyKey: "d-1",
      cart: [{sku: "TEA", quantity: 1, unitPriceMinor: 4599}]}) {
      redemption { discountMinor } } }"""
    used = await gql.data(redeem, {"code": voucher["code"], "id": cid})
    assert used["redeemVoucher"]["redemption"] == {"discountMinor": 459}
    await assert_ledger_sound(engine)


async def test_a_customer_claims_for_itself_and_never_for_someone_else(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    rid = await reward_id(gql, perCustomerLimit=None)
    ann = await customer_with(gql, 1000, ref="ann-app")
    bob = await customer_with(gql, 1000, ref="bob-app")
    app = gql.as_(customer_token("ann-app"))

    mine = await claim(app, rid, "app-1", query=MY_CLAIM)
    assert mine["claim"]["customerId"] == ann and mine["voucher"]["customerId"] == ann
    assert (await claim(app, rid, "app-2", ann, MY_CLAIM))["claim"]["customerId"] == ann

    before = await counts(engine)
    body = await app.post(
        MY_CLAIM, {"input": {"rewardId": rid, "customerId": bob, "idempotencyKey": "app-3"}}
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert await counts(engine) == before
    assert (await points_of(gql, bob))["balance"] == 1000
    await assert_ledger_sound(engine)


async def test_customers_see_how_far_they_are_from_each_active_reward(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    await reward_id(gql, name="Mug", costPoints=300, stock=None)
    await reward_id(gql, name="Cap", costPoints=800, stock=0)
    await reward_id(gql, name="Bag", costPoints=100, active=False)
    await reward_id(gql, name="Pen", costPoints=50, stock=None)
    cid = await customer_with(gql, 400, ref="cy-app")
    await gql.data(HOLD, {"id": cid, "points": 150})  # spendable: 250

    mine = (await gql.as_(customer_token("cy-app")).data(MY_REWARDS))["me"]["rewards"]
    assert [
        (r["reward"]["name"], r["pointsNeeded"], r["claimable"], r["reasons"]) for r in mine
    ] == [
        ("Pen", 0, True, []),
        ("Mug", 50, False, ["INSUFFICIENT_POINTS"]),
        ("Cap", 550, False, ["INSUFFICIENT_POINTS", "OUT_OF_STOCK"]),
    ]
    # Staff with VIEW_POINTS see the same; after a pen is claimed the limit shows
    pen = (await gql.data("{ rewards(activeOnly: true) { id name } }"))["rewards"][0]
    await gql.data(UPDATE, {"input": {"id": pen["id"], "perCustomerLimit": 1}})
    await claim(gql, pen["id"], "pen", cid)
    viewer = gql.as_(tokens["viewer"])
    standing = (await viewer.data(STANDINGS, {"id": cid}))["customer"]["rewards"][0]
    assert standing == {
        "reward": {"name": "Pen", "costPoints": 50},
        "pointsNeeded": 0,
        "claimed": 1,
        "claimable": False,
        "reasons": ["LIMIT_REACHED"],
    }


async def test_twenty_customers_claiming_a_stock_of_five_at_once_get_five(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    rid = await reward_id(gql, stock=5)
    customers = [await customer_with(gql, 300) for _ in range(20)]
    answers = await asyncio.gather(*(claim(gql, rid, f"rush-{cid}", cid) for cid in customers))
    assert sum(1 for a in answers if not a["userErrors"]) == 5
    assert {e["code"] for a in answers for e in a["userErrors"]} == {"OUT_OF_STOCK"}
    [reward] = (await gql.data("{ rewards { stock claimed } }"))["rewards"]
    assert reward == {"stock": 0, "claimed": 5}
    assert (await counts(engine))["reward_claims"] == 5
    await assert_ledger_sound(engine)


async def test_one_customer_firing_ten_claims_at_once_gets_its_one(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    rid = await reward_id(gql, stock=None, perCustomerLimit=1)
    cid = await customer_with(gql, 3000)
    answers = await asyncio.gather(*(claim(gql, rid, f"again-{n}", cid) for n in range(10)))
    assert sum(1 for a in answers if not a["userErrors"]) == 1
    assert {e["code"] for a in answers for e in a["userErrors"]} == {"LIMIT_REACHED"}
    assert (await points_of(gql, cid))["balance"] == 2700
    await assert_ledger_sound(engine)


async def test_points_held_by_a_checkout_cannot_pay_for_a_reward(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    rid = await reward_id(gql)
    cid = await customer_with(gql, 400)
    await gql.data(HOLD, {"id": cid, "points": 200})
    before = await counts(engine)
    assert refusals(await claim(gql, rid, "held", cid)) == [("rewardId", "INSUFFICIENT_POINTS")]
    assert await counts(engine) == before


async def test_a_withdrawn_reward_and_unknown_ids_are_refused(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    rid = await reward_id(gql)
    cid = await customer_with(gql, 1000)
    updated = await gql.data(UPDATE, {"input": {"id": rid, "active": False, "stock": None}})
    assert updated["updateReward"]["reward"]["stock"] is None
    before = await counts(engine)
    assert refusals(await claim(gql, rid, "off", cid)) == [("rewardId", "REWARD_INACTIVE")]
    assert refusals(await claim(gql, "999999", "none", cid)) == [("rewardId", "NOT_FOUND")]
    assert refusals(await claim(gql, rid, "nobody", "999999")) == [("customerId", "NOT_FOUND")]
    assert refusals(await claim(gql, rid, "missing")) == [("customerId", "REQUIRED")]
    assert await counts(engine) == before
    missing = await gql.data(UPDATE, {"input": {"id": "999999", "active": True}})
    assert missing["updateReward"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]


async def test_an_update_changes_only_what_it_names(gql: GraphQLClient) -> None:
    rid = await reward_id(gql)
    updated = await gql.data(UPDATE, {"input": {"id": rid, "costPoints": 250, "stock": 9}})
    assert updated["updateReward"]["reward"] == {
        "name": "Mug",
        "costPoints": 250,
        "stock": 9,
        "perCustomerLimit": 1,
        "active": True,
    }


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"costPoints": 0}, "costPoints", "OUT_OF_RANGE"),
        ({"costPoints": -5}, "costPoints", "OUT_OF_RANGE"),
        ({"name": " "}, "name", "REQUIRED"),
        ({"stock": -1}, "stock", "OUT_OF_RANGE"),
        ({"perCustomerLimit": 0}, "perCustomerLimit", "OUT_OF_RANGE"),
        ({"voucher": {"kind": "FIXED_AMOUNT", "valueMinor": 500}}, "voucher.kind", "INVALID"),
        ({"kind": "DISCOUNT"}, "voucher.kind", "INVALID"),
        (
            {"kind": "DISCOUNT", "voucher": {"kind": "PERCENT", "percentBp": 10_001}},
            "voucher.percentBp",
            "OUT_OF_RANGE",
        ),
        ({"voucher": {"kind": "GIFT_ITEM"}}, "voucher.giftSku", "REQUIRED"),
        (
            {"voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG", "validityDays": 0}},
            "voucher.validityDays",
            "OUT_OF_RANGE",
        ),
    ],
)
async def test_given_bad_reward_settings_then_refused_and_nothing_written(
    gql: GraphQLClient, engine: AsyncEngine, changes: dict[str, Any], field: str, code: str
) -> None:
    before = await counts(engine)
    refused = await create(gql, **changes)
    assert refused["reward"] is None
    assert (field, code) in [(e["field"], e["code"]) for e in refused["userErrors"]]
    assert await counts(engine) == before
