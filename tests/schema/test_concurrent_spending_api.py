"""Every rule a quote or a preview enforces holds when 30 requests spend points at once.

Given a customer and the rules (minimum balance to redeem, points held by checkouts, caps
per order, the balance ceiling); when 30 requests that spend or credit points arrive at
once over HTTP; then exactly as many succeed as would one after another, and the account
ends as it would have: concurrency never lets one request use a check another has made
stale."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.limits import BALANCE_CEILING
from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, points_of

AT_ONCE = 30
RULES = """mutation($input: UpdateRedemptionRulesInput!) {
  updateRedemptionRules(input: $input) { userErrors { field code } } }"""
REDEEM = """mutation($input: RedeemPointsInput!) { redeemPoints(input: $input) {
  redemption { id } userErrors { field code message } } }"""
HOLD = """mutation($input: HoldPointsInput!) { holdPoints(input: $input) {
  hold { id } userErrors { field code message } } }"""
CAPTURE = """mutation($id: ID!) { captureHold(input: {holdId: $id}) {
  hold { status } userErrors { field code message } } }"""
ADJUST = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    entry { id } userErrors { field code message } } }"""
CONVERSION = """mutation($input: UpdateVoucherConversionInput!) {
  updateVoucherConversion(input: $input) { userErrors { field code } } }"""
CONVERT = """mutation($id: ID!, $key: String!) {
  convertPointsToVoucher(input: {customerId: $id, valueMinor: 100, idempotencyKey: $key}) {
    voucher { code } userErrors { field code message } } }"""
REWARD = """mutation($input: CreateRewardInput!) { createReward(input: $input) {
  reward { id } userErrors { field code } } }"""
CLAIM = """mutation($reward: ID!, $id: ID!, $key: String!) {
  claimReward(input: {rewardId: $reward, customerId: $id, idempotencyKey: $key}) {
    claim { id } userErrors { field code message } } }"""
ORDER = """query($order: String!) { orderPoints(orderId: $order) { pointsUsed
  valueRedeemedMinor } }"""
CART = [{"sku": "A", "quantity": 4, "unitPriceMinor": 2500}]  # 100.00


async def rules(gql: GraphQLClient, **values: Any) -> None:
    assert (await gql.data(RULES, {"input": values}))["updateRedemptionRules"]["userErrors"] == []


def order_input(cid: str, order: str, points: int, key: str) -> dict[str, Any]:
    return {"customerId": cid, "orderId": order, "points": points, "cart": CART,
            "idempotencyKey": key}  # fmt: skip


async def redeem(gql: GraphQLClient, cid: str, order: str, points: int, key: str) -> Any:
    found = await gql.data(REDEEM, {"input": order_input(cid, order, points, key)})
    return found["redeemPoints"]


async def hold(gql: GraphQLClient, cid: str, order: str, points: int, key: str) -> Any:
    return (await gql.data(HOLD, {"input": order_input(cid, order, points, key)}))["holdPoints"]


def outcomes(answers: list[Any]) -> tuple[int, set[tuple[str, str]]]:
    """How many succeeded, and the (field, code) of every refusal."""
    ok = sum(1 for a in answers if not a["userErrors"])
    refused = {(e["field"], e["code"]) for a in answers for e in a["userErrors"]}
    return ok, refused


async def test_thirty_redemptions_at_once_stop_at_the_minimum_balance(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given 1000 points and a minimum balance of 200 to redeem: one after another, 12
    # redemptions of 70 pass (the 12th leaves 160) and the 13th finds 160 < 200
    await rules(gql, minBalancePoints=200)
    cid = await customer_with(gql, 1000)
    # When 30 arrive at once, each on its own order
    answers = await asyncio.gather(
        *(redeem(gql, cid, f"MIN-{n}", 70, f"min-{n}") for n in range(AT_ONCE))
    )
    # Then 12 pass and 160 points remain, as one after another
    assert outcomes(answers) == (12, {("points", "INSUFFICIENT_POINTS")})
    assert await points_of(gql, cid) == {"balance": 160, "held": 0, "spendable": 160}
    await assert_ledger_sound(engine)


async def test_thirty_holds_at_once_stop_at_the_minimum_balance(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    await rules(gql, minBalancePoints=200)
    cid = await customer_with(gql, 1000)
    answers = await asyncio.gather(
        *(hold(gql, cid, f"HMIN-{n}", 70, f"hmin-{n}") for n in range(AT_ONCE))
    )
    assert outcomes(answers) == (12, {("points", "INSUFFICIENT_POINTS")})
    assert await points_of(gql, cid) == {"balance": 1000, "held": 840, "spendable": 160}
    await assert_ledger_sound(engine)


async def test_holds_and_redemptions_at_once_share_the_minimum_balance(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    await rules(gql, minBalancePoints=200)
    cid = await customer_with(gql, 1000)
    answers = await asyncio.gather(
        *((hold if n % 2 else redeem)(gql, cid, f"MIX-{n}", 70, f"mix-{n}") for n in range(AT_ONCE))
    )
    assert outcomes(answers)[0] == 12
    assert (await points_of(gql, cid))["spendable"] == 160
    await assert_ledger_sound(engine)


async def test_captures_spend_their_held_points_while_debits_take_only_the_rest(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given 1000 points of which 10 holds of 70 reserve 700
    cid = await customer_with(gql, 1000)
    holds = [(await hold(gql, cid, f"CAP-{n}", 70, f"cap-{n}"))["hold"]["id"] for n in range(10)]
    # When the 10 captures and 20 manual debits of 50 arrive at once
    captures = [gql.data(CAPTURE, {"id": hid}) for hid in holds]
    debits = [gql.data(ADJUST, {"id": cid, "points": -50, "key": f"d{n}"}) for n in range(20)]
    answers = await asyncio.gather(*captures, *debits)
    # Then every capture succeeds, and the debits take the 300 spendable points only
    assert outcomes([a["captureHold"] for a in answers[:10]]) == (10, set())
    assert outcomes([a["adjustPoints"] for a in answers[10:]]) == (
        6,
        {("points", "INSUFFICIENT_POINTS")},
    )
    assert await points_of(gql, cid) == {"balance": 0, "held": 0, "spendable": 0}
    await assert_ledger_sound(engine)


async def test_thirty_manual_debits_at_once_never_take_held_points(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer_with(gql, 1000)
    assert (await hold(gql, cid, "KEEP", 300, "keep"))["userErrors"] == []
    answers = await asyncio.gather(
        *(gql.data(ADJUST, {"id": cid, "points": -100, "key": f"m{n}"}) for n in range(AT_ONCE))
    )
    assert outcomes([a["adjustPoints"] for a in answers]) == (
        7,
        {("points", "INSUFFICIENT_POINTS")},
    )
    assert await points_of(gql, cid) == {"balance": 300, "held": 300, "spendable": 0}
    await assert_ledger_sound(engine)


async def test_thirty_conversions_at_once_never_take_held_points(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given 1.00 vouchers for 100 points, and 1000 points of which a hold reserves 300
    rate = {"enabled": True, "pointsPerUnit": 100, "valuePerUnitMinor": 100, "minValueMinor": 100}
    assert (await gql.data(CONVERSION, {"input": rate}))["updateVoucherConversion"][
        "userErrors"
    ] == []
    cid = await customer_with(gql, 1000)
    assert (await hold(gql, cid, "KEEP", 300, "keep"))["userErrors"] == []
    answers = await asyncio.gather(
        *(gql.data(CONVERT, {"id": cid, "key": f"v{n}"}) for n in range(AT_ONCE))
    )
    assert outcomes([a["convertPointsToVoucher"] for a in answers]) == (
        7,
        {("valueMinor", "INSUFFICIENT_POINTS")},
    )
    assert await points_of(gql, cid) == {"balance": 300, "held": 300, "spendable": 0}
    await assert_ledger_sound(engine)


async def test_thirty_reward_claims_at_once_never_take_held_points(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    reward = {
        "name": "Pen",
        "kind": "FREE_PRODUCT",
        "costPoints": 100,
        "voucher": {"kind": "GIFT_ITEM", "giftSku": "PEN"},
        "idempotencyKey": "pen",
    }
    rid = (await gql.data(REWARD, {"input": reward}))["createReward"]["reward"]["id"]
    cid = await customer_with(gql, 1000)
    assert (await hold(gql, cid, "KEEP", 300, "keep"))["userErrors"] == []
    answers = await asyncio.gather(
        *(gql.data(CLAIM, {"reward": rid, "id": cid, "key": f"r{n}"}) for n in range(AT_ONCE))
    )
    assert outcomes([a["claimReward"] for a in answers]) == (
        7,
        {("rewardId", "INSUFFICIENT_POINTS")},
    )
    assert await points_of(gql, cid) == {"balance": 300, "held": 300, "spendable": 0}
    await assert_ledger_sound(engine)


async def test_thirty_payments_on_one_order_at_once_stay_within_its_cap(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a cap of 10.00 per order and plenty of points
    await rules(gql, maxDiscountMinor=1000)
    cid = await customer_with(gql, 10_000)
    # When 15 redemptions and 15 holds of 100 points (1.00) pay the same order at once
    answers = await asyncio.gather(
        *((hold if n % 2 else redeem)(gql, cid, "ONE", 100, f"one-{n}") for n in range(AT_ONCE))
    )
    # Then together they pay exactly the cap
    ok, refused = outcomes(answers)
    assert (ok, refused) == (10, {("points", "ABOVE_QUOTE")})
    points = await points_of(gql, cid)
    assert points["balance"] - points["held"] == 10_000 - 1000
    await assert_ledger_sound(engine)


async def test_thirty_credits_at_once_stop_at_the_ceiling(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer_with(gql, BALANCE_CEILING - 1000)
    answers = await asyncio.gather(
        *(gql.data(ADJUST, {"id": cid, "points": 100, "key": f"c{n}"}) for n in range(AT_ONCE))
    )
    assert outcomes([a["adjustPoints"] for a in answers]) == (
        10,
        {("points", "BALANCE_LIMIT_EXCEEDED")},
    )
    assert (await points_of(gql, cid))["balance"] == BALANCE_CEILING
    await assert_ledger_sound(engine)
