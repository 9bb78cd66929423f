"""assignVoucher racing a redemption of the same code by another customer: the code is
reserved for Ann although Bob has just used it, so Bob's use shows in Ann's app."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, customer_token
from tests.support.lock_waits import wait_for_lock_waiters
from tests.support.loyalty import customer_with, one_code

ASSIGN = """mutation($code: String!, $customer: ID!) {
  assignVoucher(input: {code: $code, customerId: $customer}) {
    voucher { code customerId } userErrors { field code } } }"""
REDEEM = """mutation($input: RedeemVoucherInput!) { redeemVoucher(input: $input) {
  redemption { id customerId } userErrors { field code } } }"""
MY_VOUCHERS = """query { me { vouchers(first: 10) { nodes { code
  redemptions { nodes { customerId orderId shop discountMinor } } } } } }"""


async def test_a_code_used_by_bob_while_being_assigned_to_ann_is_not_reserved_for_her(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: assignVoucher refuses "a code other customers have used" (INVALID on `code`),
    "since its uses, theirs, would show in the customer's app" (docs/checkout.md,
    "Managing them"); a customer token sees only its own data (DESIGN.md section 4)."""
    code = await one_code(gql, maxUses=5, name="race")
    ann = await customer_with(gql, 0, ref="ANN")
    bob = await customer_with(gql, 0, ref="BOB")
    # Given a third till's transaction holding the code's row for a moment
    blocker = await engine.connect()
    tx = await blocker.begin()
    await blocker.execute(text("SELECT 1 FROM vouchers WHERE code = :c FOR UPDATE"), {"c": code})
    try:
        # When Bob's till redeems the code, and then staff assign it to Ann, both waiting
        redeem_input = {
            "code": code,
            "customerId": bob,
            "orderId": "B-1",
            "cart": [{"sku": "A", "quantity": 1, "unitPriceMinor": 2000}],
            "idempotencyKey": "bob-1",
        }
        redeemed = asyncio.create_task(gql.data(REDEEM, {"input": redeem_input}))
        await wait_for_lock_waiters(engine, "%UPDATE vouchers SET uses%")
        assigned = asyncio.create_task(gql.data(ASSIGN, {"code": code, "customer": ann}))
        await wait_for_lock_waiters(engine, "%SELECT vouchers.id%FOR UPDATE%")
    finally:
        await tx.rollback()
        await blocker.close()
    bob_use = (await redeemed)["redeemVoucher"]
    ann_assign = (await assigned)["assignVoucher"]
    # Then, Bob's use having gone through, the code is not reserved for Ann
    assert bob_use["userErrors"] == []
    mine = (await gql.as_(customer_token("ANN")).data(MY_VOUCHERS))["me"]["vouchers"]["nodes"]
    assert ann_assign["userErrors"] == [{"field": "code", "code": "INVALID"}], (ann_assign, mine)
