"""Points as payment: redeemPoints within the quote, exactly once, never overdrawn."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound

CREATE = """mutation($card: String!) {
  createCustomer(input: {cardCode: $card, idempotencyKey: $card}) {
  customer { id } } }"""
CREDIT = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    userErrors { code } } }"""
RULES = """mutation($input: UpdateRedemptionRulesInput!) {
  updateRedemptionRules(input: $input) { userErrors { field code } } }"""
REDEEM = """mutation($input: RedeemPointsInput!) {
  redeemPoints(input: $input) {
    redemption { id orderId points valueMinor entryId }
    points { balance lifetimeSpent }
    replayed
    userErrors { field code message } } }"""
ORDER = """query($order: String!) { orderPoints(orderId: $order) {
  customerId pointsEarned pointsUsed valueRedeemedMinor balance } }"""
CART = [{"sku": "A", "quantity": 2, "unitPriceMinor": 2500}]  # 50.00


async def customer_with(gql: GraphQLClient, points: int, card: str = "R-1") -> str:
    cid: str = (await gql.data(CREATE, {"card": card}))["createCustomer"]["customer"]["id"]
    await gql.data(CREDIT, {"id": cid, "points": points, "key": f"start-{cid}"})
    return cid


async def redeem(
    gql: GraphQLClient,
    cid: str,
    order: str,
    points: int,
    key: str,
    cart: list[dict[str, Any]] = CART,
) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await gql.data(
            REDEEM,
            {
                "input": {
                    "customerId": cid,
                    "orderId": order,
                    "points": points,
                    "cart": cart,
                    "idempotencyKey": key,
                }
            },
        )
    )["redeemPoints"]
    return payload


async def test_redeeming_pays_part_of_an_order_and_the_receipt_shows_it(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer_with(gql, 2000)
    done = await redeem(gql, cid, "O-1", 1250, "k1")
    assert done["userErrors"] == []
    assert (done["redemption"]["points"], done["redemption"]["valueMinor"]) == (1250, 1250)
    assert done["points"] == {"balance": 750, "lifetimeSpent": 1250}
    receipt = (await gql.data(ORDER, {"order": "O-1"}))["orderPoints"]
    assert receipt == {
        "customerId": cid,
        "pointsEarned": 0,
        "pointsUsed": 1250,
        "valueRedeemedMinor": 1250,
        "balance": 750,
    }
    await assert_ledger_sound(engine)


async def test_the_same_key_replays_and_another_amount_under_it_conflicts(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer_with(gql, 2000)
    first = await redeem(gql, cid, "O-2", 500, "same")
    again = await redeem(gql, cid, "O-2", 500, "same")
    other = await redeem(gql, cid, "O-2", 600, "same")
    assert again["replayed"] is True
    assert again["redemption"] == first["redemption"]
    assert again["points"]["balance"] == 1500
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_CONFLICT")
    ]
    await assert_ledger_sound(engine)


async def test_above_the_quote_is_refused_and_one_order_never_passes_the_cap(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    await gql.data(RULES, {"input": {"maxDiscountBp": 3000}})  # 30% of 50.00 = 15.00
    cid = await customer_with(gql, 5000)
    too_much = await redeem(gql, cid, "O-3", 1501, "a")
    assert [(e["field"], e["code"]) for e in too_much["userErrors"]] == [("points", "ABOVE_QUOTE")]
    assert (await redeem(gql, cid, "O-3", 1000, "b"))["userErrors"] == []
    # A second redemption on the same order only gets what the cap has left
    second = await redeem(gql, cid, "O-3", 1000, "c")
    assert [e["code"] for e in second["userErrors"]] == ["ABOVE_QUOTE"]
    assert (await redeem(gql, cid, "O-3", 500, "d"))["userErrors"] == []
    receipt = (await gql.data(ORDER, {"order": "O-3"}))["orderPoints"]
    assert (receipt["pointsUsed"], receipt["valueRedeemedMinor"]) == (1500, 1500)
    await assert_ledger_sound(engine)


async def test_fifty_concurrent_redemptions_never_overdraw(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer_with(gql, 100)
    answers = await asyncio.gather(*(redeem(gql, cid, f"C-{n}", 10, f"c{n}") for n in range(50)))
    succeeded = [a for a in answers if not a["userErrors"]]
    refused = {e["code"] for a in answers for e in a["userErrors"]}
    assert len(succeeded) == 10
    assert refused <= {"INSUFFICIENT_POINTS", "ABOVE_QUOTE"}
    assert (
        await gql.data("query($id: ID!) { customer(id: $id) { points { balance } } }", {"id": cid})
    )["customer"]["points"]["balance"] == 0
    await assert_ledger_sound(engine)


RECORD = """mutation($order: String!, $id: ID!) {
  recordPurchase(input: {orderId: $order, customerId: $id, status: PAID,
                         lines: [{sku: "A", quantity: 2, unitPriceMinor: 2500}]}) {
    pointsAwarded userErrors { code } } }"""


async def test_the_part_paid_with_points_earns_nothing_unless_the_setting_says_so(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Default earning: 1 point per 1.00. 10.00 of a 50.00 order is paid with points.
    cid = await customer_with(gql, 5000)
    await redeem(gql, cid, "E-1", 1000, "e1")
    earned = (await gql.data(RECORD, {"order": "E-1", "id": cid}))["recordPurchase"]
    assert earned == {"pointsAwarded": 40, "userErrors": []}
    receipt = (await gql.data(ORDER, {"order": "E-1"}))["orderPoints"]
    assert (receipt["pointsEarned"], receipt["pointsUsed"], receipt["balance"]) == (40, 1000, 4040)

    # When the program lets points-paid amounts earn, the whole order earns
    await gql.data(RULES, {"input": {"earnOnPointsPaid": True}})
    await redeem(gql, cid, "E-2", 1000, "e2")
    earned = (await gql.data(RECORD, {"order": "E-2", "id": cid}))["recordPurchase"]
    assert earned["pointsAwarded"] == 50
    await assert_ledger_sound(engine)


async def test_points_another_customer_paid_on_an_order_earn_nothing_for_its_buyer(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given Bea paid 10.00 of the 50.00 order X-1 with her points
    bea = await customer_with(gql, 5000, card="R-B")
    assert (await redeem(gql, bea, "X-1", 1000, "x1"))["userErrors"] == []
    ann = await customer_with(gql, 1, card="R-A")
    # When the shop records the sale of X-1 for Ann
    earned = (await gql.data(RECORD, {"order": "X-1", "id": ann}))["recordPurchase"]
    # Then Ann earns on the 40.00 paid in money only: what points paid is not money, whoever
    # paid it (an earning read counting only the buyer's points gave her 50)
    assert earned == {"pointsAwarded": 40, "userErrors": []}
    await assert_ledger_sound(engine)


async def test_a_coarse_rate_never_pays_more_than_the_cap(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given 1 point = 1.00 and at most 1.50 off per order
    await gql.data(RULES, {"input": {"pointsPerUnit": 1, "valuePerUnitMinor": 100}})
    await gql.data(RULES, {"input": {"maxDiscountMinor": 150}})
    cid = await customer_with(gql, 10)
    quote = (
        await gql.data(
            """query($id: ID!, $cart: [CartLineInput!]!) { quoteRedemption(customerId: $id,
               cart: $cart) { maxPoints maxValueMinor } }""",
            {"id": cid, "cart": CART},
        )
    )["quoteRedemption"]
    # Then 1.50 takes 2 points (one pays only 1.00), and redeeming them pays 1.50, not 2.00
    assert quote == {"maxPoints": 2, "maxValueMinor": 150}
    done = await redeem(gql, cid, "K-1", 2, "k")
    assert (done["redemption"]["points"], done["redemption"]["valueMinor"]) == (2, 150)
    assert [e["code"] for e in (await redeem(gql, cid, "K-1", 1, "k2"))["userErrors"]] == [
        "ABOVE_QUOTE"
    ]
    await assert_ledger_sound(engine)


async def test_an_order_paid_by_one_customer_cannot_take_another_customers_points(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    ann = await customer_with(gql, 1000, "R-ann")
    bob = await customer_with(gql, 1000, "R-bob")
    assert (await redeem(gql, ann, "S-1", 100, "s1"))["userErrors"] == []
    refused = await redeem(gql, bob, "S-1", 100, "s2")
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("orderId", "DUPLICATE")]
    assert refused["redemption"] is None
    await assert_ledger_sound(engine)


CANCEL = """mutation($id: ID!) { cancelRedemption(input: {redemptionId: $id}) {
  redemption { id points cancelledAt } points { balance lifetimeSpent } replayed
  userErrors { field code } } }"""
HISTORY = """query($id: ID!) { customer(id: $id) { ledger(first: 5) {
  nodes { points kind reversesEntryId } } } }"""


async def test_a_cancelled_redemption_gives_its_points_back_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given at most 15.00 off an order, and 12.50 of it paid with points; the payment of the
    # rest then failed
    await gql.data(RULES, {"input": {"maxDiscountMinor": 1500}})
    cid = await customer_with(gql, 2000)
    paid = (await redeem(gql, cid, "X-1", 1250, "x1"))["redemption"]
    # When the till cancels the redemption, twice (a retry) and from two tills at once
    first, second = await asyncio.gather(
        gql.data(CANCEL, {"id": paid["id"]}), gql.data(CANCEL, {"id": paid["id"]})
    )
    answers = sorted([first["cancelRedemption"], second["cancelRedemption"]], key=str)
    # Then the points came back once, by a reversal linked to the redemption's entry
    assert [a["replayed"] for a in answers] == [False, True]
    assert all(a["points"] == {"balance": 2000, "lifetimeSpent": 0} for a in answers)
    assert all(a["redemption"]["cancelledAt"] for a in answers)
    ledger = (await gql.data(HISTORY, {"id": cid}))["customer"]["ledger"]["nodes"]
    assert ledger[0] == {"points": 1250, "kind": "REVERSAL", "reversesEntryId": paid["entryId"]}
    # And the order has no points left on it: its whole cap is free again
    assert (await gql.data(ORDER, {"order": "X-1"}))["orderPoints"] is None
    again = await redeem(gql, cid, "X-1", 1500, "x2")
    assert (again["userErrors"], again["redemption"]["valueMinor"]) == ([], 1500)
    await assert_ledger_sound(engine)


async def test_a_redemption_on_a_recorded_sale_is_refunded_not_cancelled(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer_with(gql, 2000)
    paid = (await redeem(gql, cid, "X-2", 500, "x3"))["redemption"]
    await gql.data(RECORD, {"order": "X-2", "id": cid})
    refused = (await gql.data(CANCEL, {"id": paid["id"]}))["cancelRedemption"]
    assert refused["userErrors"] == [{"field": "redemptionId", "code": "NOT_REVERSIBLE"}]
    assert refused["redemption"] is None
    unknown = (await gql.data(CANCEL, {"id": "987654"}))["cancelRedemption"]
    assert unknown["userErrors"] == [{"field": "redemptionId", "code": "NOT_FOUND"}]
    await assert_ledger_sound(engine)
