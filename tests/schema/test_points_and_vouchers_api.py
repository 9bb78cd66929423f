"""Points and vouchers on one order: together they never take off more than the cart, and
neither part earns points."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, one_code
from tests.support.refusals import counts

CART = [{"sku": "BAG", "quantity": 2, "unitPriceMinor": 2500}]  # 50.00
QUOTE = """query($id: ID!, $order: String) { quoteRedemption(customerId: $id, cart: [{sku: "BAG",
  quantity: 2, unitPriceMinor: 2500}], orderId: $order) { eligibleMinor maxPoints
  maxValueMinor reasons } }"""
REDEEM_POINTS = """mutation($input: RedeemPointsInput!) { redeemPoints(input: $input) {
  redemption { valueMinor } userErrors { field code } } }"""
REDEEM_VOUCHER = """mutation($input: RedeemVoucherInput!) { redeemVoucher(input: $input) {
  redemption { discountMinor } userErrors { field code } } }"""
CHECK = """query($code: String!, $order: String) { checkVoucher(code: $code, orderId: $order,
  cart: [{sku: "BAG", quantity: 2, unitPriceMinor: 2500}]) { discountMinor reasons } }"""
RECORD = """mutation($id: ID!, $order: String!) { recordPurchase(input: {orderId: $order,
  customerId: $id, status: PAID, lines: [{sku: "BAG", quantity: 2, unitPriceMinor: 2500}]}) {
  pointsAwarded userErrors { code } } }"""


async def pay_points(gql: GraphQLClient, cid: str, order: str, points: int) -> Any:
    payment = {"customerId": cid, "orderId": order, "points": points, "cart": CART}
    return (await gql.data(REDEEM_POINTS, {"input": {**payment, "idempotencyKey": order}}))[
        "redeemPoints"
    ]


async def use_voucher(gql: GraphQLClient, code: str, cid: str, order: str) -> Any:
    use = {"code": code, "customerId": cid, "orderId": order, "cart": CART}
    return (await gql.data(REDEEM_VOUCHER, {"input": {**use, "idempotencyKey": f"v-{order}"}}))[
        "redeemVoucher"
    ]


async def test_points_pay_only_what_a_voucher_left_of_the_cart(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given 10,000 points (100.00) and a 40.00 voucher used on a 50.00 order
    cid = await customer_with(gql, 10_000)
    code = await one_code(gql, valueMinor=4000)
    assert (await use_voucher(gql, code, cid, "PV-1"))["redemption"] == {"discountMinor": 4000}
    # Then a quote of that order offers the 10.00 left, and points cannot pay more
    quoted = (await gql.data(QUOTE, {"id": cid, "order": "PV-1"}))["quoteRedemption"]
    assert (quoted["eligibleMinor"], quoted["maxPoints"], quoted["maxValueMinor"]) == (
        1000,
        1000,
        1000,
    )
    # (a quote without the order knows nothing of the voucher)
    assert (await gql.data(QUOTE, {"id": cid}))["quoteRedemption"]["maxValueMinor"] == 5000
    refused = await pay_points(gql, cid, "PV-1", 1001)
    assert refused["userErrors"] == [{"field": "points", "code": "ABOVE_QUOTE"}]
    assert (await pay_points(gql, cid, "PV-1", 1000))["redemption"] == {"valueMinor": 1000}
    # And the order, paid entirely by the voucher and points, earns nothing
    earned = (await gql.data(RECORD, {"id": cid, "order": "PV-1"}))["recordPurchase"]
    assert earned == {"pointsAwarded": 0, "userErrors": []}
    await assert_ledger_sound(engine)


async def test_a_voucher_takes_off_only_what_points_left_of_the_cart(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given 45.00 of a 50.00 order paid with points
    cid = await customer_with(gql, 10_000)
    assert (await pay_points(gql, cid, "PV-2", 4500))["userErrors"] == []
    code = await one_code(gql, valueMinor=1000)
    # Then a 10.00 voucher takes off the 5.00 left
    checked = (await gql.data(CHECK, {"code": code, "order": "PV-2"}))["checkVoucher"]
    assert checked == {"discountMinor": 500, "reasons": []}
    assert (await use_voucher(gql, code, cid, "PV-2"))["redemption"] == {"discountMinor": 500}
    await assert_ledger_sound(engine)


async def test_the_part_a_voucher_took_off_earns_nothing(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a 10.00 voucher on a 50.00 order (the default rule: 1 point per 1.00)
    cid = await customer_with(gql, 0)
    code = await one_code(gql, valueMinor=1000)
    await use_voucher(gql, code, cid, "PV-3")
    # Then the 40.00 paid in money earns 40 points
    earned = (await gql.data(RECORD, {"id": cid, "order": "PV-3"}))["recordPurchase"]
    assert earned == {"pointsAwarded": 40, "userErrors": []}
    await assert_ledger_sound(engine)


async def test_an_order_that_earned_its_points_cannot_then_be_paid_with_points_or_vouchers(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a 50.00 sale recorded as paid: it earned 50 points on its whole amount
    cid = await customer_with(gql, 5_000)
    earned = (await gql.data(RECORD, {"id": cid, "order": "PV-4"}))["recordPurchase"]
    assert earned["pointsAwarded"] == 50
    code = await one_code(gql, valueMinor=1000)
    before = await counts(engine)
    # Then neither points nor a voucher may pay it afterwards (they would have earned too)
    refused = await pay_points(gql, cid, "PV-4", 1000)
    assert refused["userErrors"] == [{"field": "orderId", "code": "ORDER_ALREADY_AWARDED"}]
    voucher = await use_voucher(gql, code, cid, "PV-4")
    assert voucher["userErrors"] == [{"field": "orderId", "code": "ORDER_ALREADY_AWARDED"}]
    checked = (await gql.data(CHECK, {"code": code, "order": "PV-4"}))["checkVoucher"]
    assert checked == {"discountMinor": 0, "reasons": ["ORDER_ALREADY_AWARDED"]}
    assert await counts(engine) == before
    # Unless the program lets points-paid amounts earn: then points may still pay
    await gql.data(
        """mutation { updateRedemptionRules(input: {earnOnPointsPaid: true}) {
           userErrors { code } } }"""
    )
    assert (await pay_points(gql, cid, "PV-4", 1000))["redemption"] == {"valueMinor": 1000}
    await assert_ledger_sound(engine)


async def test_points_held_for_an_order_do_not_earn_when_the_sale_is_recorded_first(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given 20.00 of a 50.00 order held in points, and the sale recorded before the capture
    cid = await customer_with(gql, 5_000)
    hold = """mutation($input: HoldPointsInput!) { holdPoints(input: $input) {
      hold { id } userErrors { code } } }"""
    held = await gql.data(
        hold,
        {
            "input": {
                "customerId": cid,
                "orderId": "PV-5",
                "points": 2000,
                "cart": CART,
                "idempotencyKey": "h",
            }
        },
    )
    # Then the sale earns only on the 30.00 paid in money
    earned = (await gql.data(RECORD, {"id": cid, "order": "PV-5"}))["recordPurchase"]
    assert earned == {"pointsAwarded": 30, "userErrors": []}
    capture = """mutation($id: ID!) { captureHold(input: {holdId: $id}) {
      hold { status } userErrors { code } } }"""
    captured = await gql.data(capture, {"id": held["holdPoints"]["hold"]["id"]})
    assert captured["captureHold"] == {"hold": {"status": "CAPTURED"}, "userErrors": []}
    await assert_ledger_sound(engine)
