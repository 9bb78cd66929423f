"""A refund before the award leaves the customer what the same refund after the award
leaves: the points a customer keeps do not depend on the order of the steps."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.schema.test_purchases_api import (
    line,
    new_customer,
    points,
    record,
    refund,
    set_rules,
)
from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound

ADJUST = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    userErrors { code } } }"""
REDEEM = """mutation($input: RedeemPointsInput!) { redeemPoints(input: $input) {
  redemption { points valueMinor } userErrors { field code } } }"""
LINES = [line("SHIRT", 1, 5000), line("GIFT", 1, 5000)]  # 100.00, the gift card EXCLUDED
CART = [
    {"sku": "SHIRT", "quantity": 1, "unitPriceMinor": 5000},
    {"sku": "GIFT", "quantity": 1, "unitPriceMinor": 5000},
]


async def _order_paid_partly_with_points(
    gql: GraphQLClient, order: str, status: str
) -> tuple[str, dict[str, Any]]:
    """A customer with 2,000 points who paid 20.00 of a 100.00 order with them, the sale
    then reported at `status`."""
    cid = await new_customer(gql)
    await gql.data(ADJUST, {"id": cid, "points": 2000, "key": f"credit-{order}"})
    pay = {"customerId": cid, "orderId": order, "points": 2000, "cart": CART}
    paid = await gql.data(REDEEM, {"input": {**pay, "idempotencyKey": f"pay-{order}"}})
    assert paid["redeemPoints"]["userErrors"] == []
    assert paid["redeemPoints"]["redemption"]["valueMinor"] == 2000
    return cid, await record(gql, order, status, LINES, customerId=cid)


async def test_a_refund_before_the_award_leaves_what_the_same_refund_after_it_leaves(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: "A refund before the award simply lowers what the award will count: the
    remaining lines earn what they would after the same refund made after the award"
    (docs/earning.md, Refunds); refunds take back exactly what the docs' arithmetic says,
    whatever the order of steps.

    Rule 1 point per 1.00, GIFT excluded. A 100.00 order (SHIRT 50.00 + GIFT 50.00), 20.00
    of it paid with 2,000 points, earns floor(50.00 - 20.00) = 30 points.
    - After the award, refunding the GIFT gives back 1,000 points (half the order) and
      takes back max(0, 30 - 40) = 0: the customer keeps 30 earned points (1,030).
    - Before the award, the same refund gives back the same 1,000 points, and the award
      counts the least of what the whole order (30) and the SHIRT left (40, with 10.00
      still paid in points) earn: 30 (1,030), not 40 (1,040), which would leave the
      customer 10 points richer only because the refund reached Tessera before the PAID
      report."""
    await set_rules(
        gql,
        pointsPerUnit=1,
        spendUnitMinor=100,
        awardStatus="PAID",
        productOverrides=[{"sku": "GIFT", "mode": "EXCLUDED", "value": 0}],
    )
    # Order 1: paid, awarded, then the gift card refunded
    ann, awarded = await _order_paid_partly_with_points(gql, "AFTER-AWARD", "PAID")
    assert awarded["pointsAwarded"] == 30
    after = await refund(gql, "AFTER-AWARD", "gift-after", [("GIFT", 1)])
    assert after["userErrors"] == []
    kept_after = (await points(gql, ann))["points"]["balance"]
    assert kept_after == 1030  # 1,000 points given back + the 30 earned

    # Order 2: the same sale, the gift card refunded while the order is only CREATED
    bob, created = await _order_paid_partly_with_points(gql, "BEFORE-AWARD", "CREATED")
    assert created["pointsAwarded"] == 0
    before = await refund(gql, "BEFORE-AWARD", "gift-before", [("GIFT", 1)])
    assert before["userErrors"] == []
    paid = await record(gql, "BEFORE-AWARD", "PAID", LINES, customerId=bob)
    kept_before = (await points(gql, bob))["points"]["balance"]

    # Then the same sale and refund leave the same points, whichever came first
    assert (kept_before, paid["pointsAwarded"]) == (kept_after, 30), (
        f"refund after the award keeps {kept_after}; before it, the award gives "
        f"{paid['pointsAwarded']} and the customer has {kept_before}"
    )
    await assert_ledger_sound(engine)
