"""A voucher's use against its order: its key's replay compares the cart, and a use racing
the sale's award is either counted by the award or refused by it."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.lock_waits import wait_for_lock_waiters
from tests.support.loyalty import customer_with, one_code

CART = [{"sku": "BAG", "quantity": 2, "unitPriceMinor": 2500}]  # 50.00
REDEEM = """mutation($input: RedeemVoucherInput!) { redeemVoucher(input: $input) {
  redemption { id discountMinor orderId } replayed userErrors { field code } } }"""
RECORD = """mutation($id: ID!, $order: String!, $status: PurchaseStatus!) {
  recordPurchase(input: {orderId: $order, customerId: $id, status: $status,
    lines: [{sku: "BAG", quantity: 2, unitPriceMinor: 2500}]}) {
  pointsAwarded userErrors { field code } } }"""


async def redeem(gql: GraphQLClient, **input: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(REDEEM, {"input": input}))["redeemVoucher"]
    return payload


async def test_a_key_replayed_with_another_cart_is_an_idempotency_conflict(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: the same idempotency key sent with a different request is refused with
    IDEMPOTENCY_CONFLICT on idempotencyKey and writes nothing (docs/api.md, "Idempotency
    keys"); a voucher never takes off more than the cart (docs/checkout.md, "At the till").

    Given a 50% voucher redeemed with key K on order O for a 50.00 cart (25.00 off), when
    the till sends key K again for the same order and code with another cart (1.00: the
    customer put the bag back), then the request differs (its discount would be 0.50) and
    must be a conflict (the first redemption was replayed: a 25.00 discount answered for a
    1.00 cart)."""
    code = await one_code(gql, kind="PERCENT", valueMinor=None, percentBp=5000, maxUses=None)
    first = await redeem(gql, code=code, orderId="RC-1", cart=CART, idempotencyKey="K-RC")
    assert first["redemption"]["discountMinor"] == 2500
    small = [{"sku": "BAG", "quantity": 1, "unitPriceMinor": 100}]  # 1.00
    again = await redeem(gql, code=code, orderId="RC-1", cart=small, idempotencyKey="K-RC")
    assert again["userErrors"] == [{"field": "idempotencyKey", "code": "IDEMPOTENCY_CONFLICT"}], (
        f"replayed a {again['redemption']} discount for a 1.00 cart"
    )


async def test_a_voucher_used_while_the_sale_is_being_awarded_earns_no_points(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: what vouchers took off an order earns no points when the sale is recorded, and
    once an order has earned points on its whole amount a voucher on it is refused with
    ORDER_ALREADY_AWARDED (docs/checkout.md, "Paying with points" and "At the till"; vouchers
    and points on one order "wait for each other"). So a voucher and the sale's award
    racing on one order end either with the voucher refused, or with the sale earning only
    on what was paid in money.

    Given a 50.00 order reported CREATED (1 point per 1.00, awarded at PAID), when its PAID
    report and a 20.00 voucher on it arrive together (the report is held just before its
    award by a lock on the purchase row, as a slow statement would), then either the
    voucher is refused or the award counts it: 30 points (it once earned 50, 20 of them on
    the voucher's part, when it used what it had read before the order's lock). The report
    takes the order's lock before the purchase's row, so the voucher waits for the award
    and is refused."""
    cid = await customer_with(gql, 0)
    created = (await gql.data(RECORD, {"id": cid, "order": "AW-1", "status": "CREATED"}))[
        "recordPurchase"
    ]
    assert created == {"pointsAwarded": 0, "userErrors": []}
    code = await one_code(gql, valueMinor=2000)

    async with engine.connect() as conn:
        tx = await conn.begin()
        await conn.execute(
            text("SELECT id FROM purchases WHERE shop = 'default' AND order_id = 'AW-1' FOR UPDATE")
        )
        paid = asyncio.create_task(gql.data(RECORD, {"id": cid, "order": "AW-1", "status": "PAID"}))
        await wait_for_lock_waiters(engine)
        voucher = asyncio.create_task(
            redeem(gql, code=code, customerId=cid, orderId="AW-1", cart=CART, idempotencyKey="AW-v")
        )
        done, _ = await asyncio.wait({voucher}, timeout=1.0)
        await tx.rollback()
    used = await voucher
    awarded = (await paid)["recordPurchase"]
    # The voucher waited for the order's lock, which the report held
    assert not done, used

    if used["userErrors"]:
        assert used["userErrors"] == [{"field": "orderId", "code": "ORDER_ALREADY_AWARDED"}]
    else:
        # The voucher took 20.00 off: only the 30.00 paid in money earns.
        assert used["redemption"]["discountMinor"] == 2000
        assert awarded == {"pointsAwarded": 30, "userErrors": []}, (
            f"voucher took 20.00 off, yet the sale earned {awarded['pointsAwarded']} points"
        )
