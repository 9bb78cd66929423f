"""Refunds of orders paid partly with points: the points that paid the refunded part come
back, to the lots they came from; the points the order earned go back as before."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound

CREATE = """mutation($card: String!) {
  createCustomer(input: {cardCode: $card, idempotencyKey: $card}) {
  customer { id } } }"""
CREDIT = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    userErrors { code } } }"""
REDEEM = """mutation($input: RedeemPointsInput!) { redeemPoints(input: $input) {
  redemption { points valueMinor } userErrors { field code } } }"""
RECORD = """mutation($id: ID!) { recordPurchase(input: {orderId: "R-1", customerId: $id,
  status: PAID, lines: [{sku: "SHIRT", quantity: 4, unitPriceMinor: 2500}]}) {
  pointsAwarded userErrors { code } } }"""
REFUND = """mutation($input: RefundPurchaseInput!) { refundPurchase(input: $input) {
  refund { amountMinor pointsDue pointsTaken pointsUncollected pointsReturned
           valueReturnedMinor returnEntryId }
  points { balance lifetimeEarned lifetimeSpent } replayed userErrors { field code } } }"""
ORDER = """query { orderPoints(orderId: "R-1") {
  pointsEarned pointsUsed valueRedeemedMinor balance } }"""
CART = [{"sku": "SHIRT", "quantity": 4, "unitPriceMinor": 2500}]  # 100.00


async def paid_partly_with_points(gql: GraphQLClient, credits: list[int]) -> str:
    """A customer credited `credits` (one lot each) who paid 30.00 of a 100.00 order with
    3,000 points (100 points = 1.00) and earned 70 points on the 70.00 paid in money."""
    cid: str = (await gql.data(CREATE, {"card": "RR-1"}))["createCustomer"]["customer"]["id"]
    for n, points in enumerate(credits):
        await gql.data(CREDIT, {"id": cid, "points": points, "key": f"c{n}"})
    redeem = {"customerId": cid, "orderId": "R-1", "points": 3000, "cart": CART}
    paid = await gql.data(REDEEM, {"input": {**redeem, "idempotencyKey": "pay"}})
    assert paid["redeemPoints"]["userErrors"] == []
    assert (await gql.data(RECORD, {"id": cid}))["recordPurchase"]["pointsAwarded"] == 70
    return cid


async def refund(gql: GraphQLClient, key: str, lines: list[dict[str, Any]] | None) -> Any:
    refund_input: dict[str, Any] = {"orderId": "R-1", "idempotencyKey": key}
    if lines is not None:
        refund_input["lines"] = lines
    return (await gql.data(REFUND, {"input": refund_input}))["refundPurchase"]


async def lots(engine: AsyncEngine) -> list[tuple[int, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT granted, remaining FROM point_lots ORDER BY id"))
        return [(row.granted, row.remaining) for row in rows]


async def test_the_readme_refund_of_an_order_paid_partly_with_points(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given 5,000 points, 3,000 of them (30.00) paid for a 100.00 order that earned 70
    await paid_partly_with_points(gql, [5000])
    # When one of the four shirts (25.00) is returned
    first = await refund(gql, "ret-1", [{"sku": "SHIRT", "quantity": 1}])
    # Then a quarter of the points used come back (750 = 7.50 of the 25.00 refund; the shop
    # pays 17.50 in money), and the earned points the shirt carried go back: the other
    # three earn on 75.00 - 22.50 still paid with points = 52 points, so 70 - 52 = 18
    assert first["userErrors"] == []
    assert first["refund"]["amountMinor"] == 2500
    assert (first["refund"]["pointsReturned"], first["refund"]["valueReturnedMinor"]) == (750, 750)
    assert (first["refund"]["pointsDue"], first["refund"]["pointsTaken"]) == (18, 18)
    assert first["refund"]["returnEntryId"]
    assert first["points"] == {"balance": 2802, "lifetimeEarned": 5052, "lifetimeSpent": 2250}
    # When the refund is retried, nothing comes back twice
    again = await refund(gql, "ret-1", [{"sku": "SHIRT", "quantity": 1}])
    assert again["replayed"] is True and again["refund"] == first["refund"]
    # When the rest is refunded, every point used comes back and every point earned goes
    rest = await refund(gql, "ret-2", None)
    assert (rest["refund"]["pointsReturned"], rest["refund"]["valueReturnedMinor"]) == (2250, 2250)
    assert rest["refund"]["pointsTaken"] == 52
    assert rest["points"] == {"balance": 5000, "lifetimeEarned": 5000, "lifetimeSpent": 0}
    receipt = (await gql.data(ORDER))["orderPoints"]
    assert receipt == {"pointsEarned": 0, "pointsUsed": 0, "valueRedeemedMinor": 0, "balance": 5000}
    await assert_ledger_sound(engine)


async def test_points_go_back_to_the_lots_they_came_from(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given two lots of 2,000 that paid 3,000 points (all of the first, 1,000 of the second)
    await paid_partly_with_points(gql, [2000, 2000])
    assert await lots(engine) == [(2000, 0), (2000, 1000), (70, 70)]
    # When refunds give back the points in uneven steps
    for n, quantity in enumerate([1, 2]):
        await refund(gql, f"step-{n}", [{"sku": "SHIRT", "quantity": quantity}])
    await refund(gql, "step-last", None)
    # Then both lots are whole again (the earned lot was taken back), and the ledger is sound
    assert await lots(engine) == [(2000, 2000), (2000, 2000), (70, 0)]
    await assert_ledger_sound(engine)


async def test_concurrent_refunds_of_one_order_never_give_back_more_than_was_used(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given the order paid with 3,000 points, when its four shirts are refunded one by one
    # from four tills at once
    cid = await paid_partly_with_points(gql, [5000])
    answers = await asyncio.gather(
        *(refund(gql, f"till-{n}", [{"sku": "SHIRT", "quantity": 1}]) for n in range(4))
    )
    # Then each gave back exactly a quarter, and the customer is where they started
    assert sorted(a["refund"]["pointsReturned"] for a in answers) == [750, 750, 750, 750]
    balance = (
        await gql.data("query($id: ID!) { customer(id: $id) { points { balance } } }", {"id": cid})
    )["customer"]["points"]["balance"]
    assert balance == 5000
    await assert_ledger_sound(engine)
