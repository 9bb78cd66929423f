"""PRIZE cards over the API: a customer whose only active cards are PRIZE cards collects
points towards rewards only. The quote says why nothing can be paid, redemptions and holds
are refused with a typed reason (also 30 at once), as is turning points into a voucher (it
pays at the till); a reward can still be claimed; another
active card (or a blocked prize card) lets points pay again."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.schema.test_concurrent_spending_api import (
    AT_ONCE,
    CART,
    CLAIM,
    CONVERSION,
    CONVERT,
    REWARD,
    hold,
    outcomes,
    redeem,
)
from tests.support.api import GraphQLClient
from tests.support.cards import add_series, issue_card
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, points_of

QUOTE = """query($id: ID!, $cart: [CartLineInput!]!) { quoteRedemption(customerId: $id,
  cart: $cart) { maxPoints maxValueMinor reasons } }"""
NOT_PAYABLE = ("points", "POINTS_NOT_PAYABLE")


async def test_prize_only_points_do_not_pay_at_the_till_but_claim_rewards(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given Pia, 1000 points, whose only card is a prize card
    cid = await customer_with(gql, 1000)
    prize = await add_series(engine, "Collector", "PRIZE")
    card = await issue_card(engine, cid, prize, "PZ-1", "PRIZE")
    # Then the quote pays nothing and says why
    quoted = (await gql.data(QUOTE, {"id": cid, "cart": CART}))["quoteRedemption"]
    assert quoted == {"maxPoints": 0, "maxValueMinor": 0, "reasons": ["PRIZE_CARDS_ONLY"]}
    # And 30 redemptions and holds at once are all refused with the reason, writing nothing
    answers = await asyncio.gather(
        *((hold if n % 2 else redeem)(gql, cid, f"P-{n}", 100, f"p-{n}") for n in range(AT_ONCE))
    )
    assert outcomes(answers) == (0, {NOT_PAYABLE})
    assert await points_of(gql, cid) == {"balance": 1000, "held": 0, "spendable": 1000}
    # And she cannot turn them into a voucher either (a voucher pays at the till)
    rate = {"enabled": True, "pointsPerUnit": 100, "valuePerUnitMinor": 100, "minValueMinor": 100}
    assert (await gql.data(CONVERSION, {"input": rate}))["updateVoucherConversion"][
        "userErrors"
    ] == []
    converted = (await gql.data(CONVERT, {"id": cid, "key": "pv"}))["convertPointsToVoucher"]
    assert [(e["field"], e["code"]) for e in converted["userErrors"]] == [
        ("valueMinor", "POINTS_NOT_PAYABLE")
    ]
    assert await points_of(gql, cid) == {"balance": 1000, "held": 0, "spendable": 1000}
    # But she claims a reward with them
    reward = {
        "name": "Pen",
        "kind": "FREE_PRODUCT",
        "costPoints": 100,
        "voucher": {"kind": "GIFT_ITEM", "giftSku": "PEN"},
        "idempotencyKey": "pen",
    }
    rid = (await gql.data(REWARD, {"input": reward}))["createReward"]["reward"]["id"]
    claimed = await gql.data(CLAIM, {"reward": rid, "id": cid, "key": "claim-1"})
    assert claimed["claimReward"]["userErrors"] == []
    # When her prize card is blocked (no active card: as a customer without cards), she pays
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE cards SET status = 'BLOCKED' WHERE id = :id"), {"id": card})
    assert (await redeem(gql, cid, "P-OK", 100, "p-ok"))["userErrors"] == []
    converted = (await gql.data(CONVERT, {"id": cid, "key": "pv-ok"}))["convertPointsToVoucher"]
    assert converted["userErrors"] == []
    await assert_ledger_sound(engine)


async def test_another_active_card_beside_the_prize_card_lets_points_pay(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer_with(gql, 1000)
    await issue_card(engine, cid, await add_series(engine, "Collector", "PRIZE"), "PZ", "PRIZE")
    await issue_card(engine, cid, await add_series(engine, "Loyalty", "POINTS"), "LY", "POINTS")
    quoted = (await gql.data(QUOTE, {"id": cid, "cart": CART}))["quoteRedemption"]
    assert quoted["reasons"] == [] and quoted["maxPoints"] > 0
    assert (await hold(gql, cid, "H-1", 100, "h-1"))["userErrors"] == []
