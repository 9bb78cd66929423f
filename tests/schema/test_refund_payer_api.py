"""An order paid with one customer's points and recorded for another: its refund gives the
points back to the customer whose points paid."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.holds import customer, redeem
from tests.support.ledger import assert_ledger_sound

RECORD = """mutation($id: ID!) { recordPurchase(input: {orderId: "O-fam", customerId: $id,
  status: PAID, lines: [{sku: "A", quantity: 4, unitPriceMinor: 2500}]}) {
  pointsAwarded userErrors { field code } } }"""
REFUND = """mutation { refundPurchase(input: {orderId: "O-fam", idempotencyKey: "refund-fam"}) {
  refund { pointsReturned valueReturnedMinor } userErrors { field code } } }"""
BALANCE = """query($id: ID!) { customer(id: $id) { points { balance } } }"""
CANCEL = """mutation($id: ID!) { cancelRedemption(input: {redemptionId: $id}) {
  userErrors { field code } } }"""


async def test_refunding_an_order_paid_with_another_customers_points_gives_them_back(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: "A refund gives back the points that paid for the refunded part ... refunding
    everything gives back every point whatever the steps" (docs/checkout.md, "Refunds of
    orders paid with points"). The docs accept an order whose points are another
    customer's than its sale's: recordPurchase "earns only on the part paid with money
    (its eligible amount is lowered by what points paid ..., whichever customer's points
    they are)" (docs/checkout.md, "Points as payment"), and recordPurchase does not refuse
    it."""
    ann = await customer(gql, "ANN", 2000)
    bob = await customer(gql, "BOB", 0)
    # Given Ann pays 10.00 of order O-fam (a 100.00 cart) with 1,000 of her points
    paid = await redeem(gql, ann, 1000, "fam", orderId="O-fam")
    assert paid["userErrors"] == []
    # And the sale is recorded for Bob, who paid the rest (it earns on 90.00)
    recorded = (await gql.data(RECORD, {"id": bob}))["recordPurchase"]
    assert recorded == {"pointsAwarded": 90, "userErrors": []}
    # When the whole order is refunded
    refunded = (await gql.data(REFUND))["refundPurchase"]
    # Then Ann's 1,000 points come back to her (she can no longer cancel her redemption)
    assert refunded == {
        "refund": {"pointsReturned": 1000, "valueReturnedMinor": 1000},
        "userErrors": [],
    }
    cancel = (await gql.data(CANCEL, {"id": paid["redemption"]["id"]}))["cancelRedemption"]
    assert cancel["userErrors"] == [{"field": "redemptionId", "code": "NOT_REVERSIBLE"}]
    ann_balance = (await gql.data(BALANCE, {"id": ann}))["customer"]["points"]["balance"]
    bob_balance = (await gql.data(BALANCE, {"id": bob}))["customer"]["points"]["balance"]
    await assert_ledger_sound(engine)
    assert (ann_balance, bob_balance) == (2000, 0)
