"""A voucher's use given back while its order's sale is not recorded (cancelVoucherRedemption):
once, the code usable again, the order earning on what it no longer takes off; refused once
the sale is recorded; exact when tills race."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, events_of, one_code

CART = [{"sku": "BAG", "quantity": 2, "unitPriceMinor": 2500}]  # 50.00
REDEEM = """mutation($input: RedeemVoucherInput!) { redeemVoucher(input: $input) {
  redemption { id discountMinor } voucher { uses status } userErrors { field code } } }"""
CANCEL = """mutation($id: ID!) { cancelVoucherRedemption(input: {redemptionId: $id}) {
  redemption { id orderId discountMinor cancelledAt } voucher { code uses status } replayed
  userErrors { field code } } }"""
RECORD = """mutation($id: ID!, $order: String!) {
  recordPurchase(input: {orderId: $order, customerId: $id, status: PAID,
    lines: [{sku: "BAG", quantity: 2, unitPriceMinor: 2500}]}) {
  pointsAwarded userErrors { field code } } }"""
USES = """query($code: String!) { vouchers(first: 1, filter: {code: $code}) { nodes {
  uses status redemptions(first: 10) { nodes { orderId cancelledAt } } } } }"""


async def redeem(gql: GraphQLClient, code: str, order: str, key: str, **more: Any) -> Any:
    input = {"code": code, "orderId": order, "cart": CART, "idempotencyKey": key, **more}
    return (await gql.data(REDEEM, {"input": input}))["redeemVoucher"]


async def cancel(gql: GraphQLClient, use_id: str) -> Any:
    return (await gql.data(CANCEL, {"id": use_id}))["cancelVoucherRedemption"]


async def test_a_use_given_back_frees_the_code_and_the_sale_earns_on_the_whole_cart(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule (docs/checkout.md, "Giving a voucher back"): cancelling a use before the sale is
    recorded gives the code's use back once (a repeat answers the first cancellation,
    replayed), the order counts the use no more (its discount earns again when the sale is
    recorded), and the code may be used again, on the same order too.

    Given a single-use 20.00 code used on order O for a 50.00 cart, when the till cancels
    the use twice, then the code is ACTIVE with no use, the use is marked, one event says
    so; the code goes on order O again under a new key and is cancelled again; and the sale
    recorded then earns on all 50.00."""
    cid = await customer_with(gql, 0)
    code = await one_code(gql, valueMinor=2000, maxUses=1)
    used = await redeem(gql, code, "GB-1", "gb-1", customerId=cid)
    assert (used["userErrors"], used["voucher"]) == ([], {"uses": 1, "status": "USED_UP"})

    first = await cancel(gql, used["redemption"]["id"])
    again = await cancel(gql, used["redemption"]["id"])
    assert (first["userErrors"], first["replayed"], again["replayed"]) == ([], False, True)
    assert first["voucher"] == {"code": code, "uses": 0, "status": "ACTIVE"}
    assert again["redemption"] == first["redemption"] and first["redemption"]["cancelledAt"]
    events = await events_of(engine, "VoucherRedemptionCancelled")
    assert [(e["order_id"], e["discount_minor"], str(e["customer_id"])) for e in events] == [
        ("GB-1", 2000, cid)
    ]

    # The same order again (a new key: the first key answers its first use, replayed)
    reused = await redeem(gql, code, "GB-1", "gb-2", customerId=cid)
    assert (reused["userErrors"], reused["redemption"]["discountMinor"]) == ([], 2000)
    assert (await cancel(gql, reused["redemption"]["id"]))["userErrors"] == []
    found = (await gql.data(USES, {"code": code}))["vouchers"]["nodes"][0]
    assert (found["uses"], found["status"]) == (0, "ACTIVE")
    assert all(u["cancelledAt"] for u in found["redemptions"]["nodes"])
    assert len(found["redemptions"]["nodes"]) == 2

    recorded = (await gql.data(RECORD, {"id": cid, "order": "GB-1"}))["recordPurchase"]
    assert recorded == {"pointsAwarded": 50, "userErrors": []}
    await assert_ledger_sound(engine)


async def test_a_use_on_a_recorded_sale_stands(gql: GraphQLClient, engine: AsyncEngine) -> None:
    """Rule: once the order's sale is recorded, its voucher uses stand (NOT_REVERSIBLE on
    redemptionId) and the code stays used; an unknown use is NOT_FOUND."""
    cid = await customer_with(gql, 0)
    code = await one_code(gql, valueMinor=1000, maxUses=1)
    used = await redeem(gql, code, "GB-2", "gb-3", customerId=cid)
    assert (await gql.data(RECORD, {"id": cid, "order": "GB-2"}))["recordPurchase"] == {
        "pointsAwarded": 40,
        "userErrors": [],
    }
    refused = await cancel(gql, used["redemption"]["id"])
    assert refused["userErrors"] == [{"field": "redemptionId", "code": "NOT_REVERSIBLE"}]
    assert refused["redemption"] is None
    found = (await gql.data(USES, {"code": code}))["vouchers"]["nodes"][0]
    assert (found["uses"], found["status"]) == (1, "USED_UP")
    assert (await cancel(gql, "987654"))["userErrors"] == [
        {"field": "redemptionId", "code": "NOT_FOUND"}
    ]
    assert (await cancel(gql, "x"))["userErrors"][0]["field"] == "redemptionId"
    await assert_ledger_sound(engine)


async def test_thirty_tills_cancelling_one_use_give_it_back_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: a use is given back once, whatever the number of tills cancelling it at once:
    one answer is the cancellation, the others replay it, and the code counts one use
    less (the vouchers invariant: uses equal the uses that stand)."""
    code = await one_code(gql, valueMinor=1000, maxUses=5)
    used = await redeem(gql, code, "GB-3", "gb-4")
    answers = await asyncio.gather(*(cancel(gql, used["redemption"]["id"]) for _ in range(30)))
    assert sorted(a["replayed"] for a in answers) == [False] + [True] * 29
    assert {a["redemption"]["cancelledAt"] for a in answers} != {None}
    assert len({a["redemption"]["cancelledAt"] for a in answers}) == 1
    found = (await gql.data(USES, {"code": code}))["vouchers"]["nodes"][0]
    assert found["uses"] == 0
    assert len(await events_of(engine, "VoucherRedemptionCancelled")) == 1
    await assert_ledger_sound(engine)


async def test_a_use_given_back_while_thirty_tills_try_the_single_use_code(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: a code is never used beyond its maxUses, also while a use of it is given back:
    30 tills trying a used-up single-use code on other orders while its use is cancelled
    get at most one use among them, and the code's uses equal its uses that stand."""
    code = await one_code(gql, valueMinor=1000, maxUses=1)
    used = await redeem(gql, code, "GB-4", "gb-5")
    tries = [redeem(gql, code, f"GB-4-{i}", f"gb-5-{i}") for i in range(30)]
    given_back, *answers = await asyncio.gather(cancel(gql, used["redemption"]["id"]), *tries)
    assert given_back["userErrors"] == []
    won = [a for a in answers if not a["userErrors"]]
    assert len(won) <= 1
    assert all(a["userErrors"][0]["code"] == "VOUCHER_USED_UP" for a in answers if a not in won)
    found = (await gql.data(USES, {"code": code}))["vouchers"]["nodes"][0]
    assert found["uses"] == len(won)
    await assert_ledger_sound(engine)
