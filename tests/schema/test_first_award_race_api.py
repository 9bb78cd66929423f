"""A new sale awarded at its first report (PAID at once) and payments on its order landing at
the same moment: each payment is either counted by the award or refused by it, never both
accepted and earned on."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound
from tests.support.lock_waits import wait_for_lock_waiters
from tests.support.loyalty import customer_with, one_code

CART = [{"sku": "BAG", "quantity": 2, "unitPriceMinor": 2500}]  # 50.00
RECORD = """mutation($id: ID!, $order: String!) {
  recordPurchase(input: {orderId: $order, customerId: $id, status: PAID,
    lines: [{sku: "BAG", quantity: 2, unitPriceMinor: 2500}]}) {
  pointsAwarded userErrors { field code } } }"""
REDEEM_VOUCHER = """mutation($input: RedeemVoucherInput!) { redeemVoucher(input: $input) {
  redemption { discountMinor } userErrors { field code } } }"""
REDEEM_POINTS = """mutation($input: RedeemPointsInput!) { redeemPoints(input: $input) {
  redemption { valueMinor } userErrors { field code } } }"""
RULES = """mutation { updateRedemptionRules(input: {maxDiscountBp: 10000}) {
  userErrors { code } } }"""


async def record(gql: GraphQLClient, cid: str, order: str) -> Any:
    return (await gql.data(RECORD, {"id": cid, "order": order}))["recordPurchase"]


async def test_a_voucher_landing_while_a_new_sale_is_awarded_is_counted_or_refused(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule (docs/checkout.md, "Paying with points"): what vouchers took off an order earns
    no points, and once the order has earned on its whole amount a voucher on it is
    ORDER_ALREADY_AWARDED; a sale awarded at its first report waits for the order's lock
    like every payment, so the two never both pass.

    Given a new 50.00 sale reported PAID at once (1 point per 1.00) whose award is held
    inside its write (the buyer's account row is locked, as a slow statement would be),
    when a 20.00 voucher on the same order arrives meanwhile, then either the voucher is
    refused, or the sale earns only on the 30.00 paid in money. (Before, the voucher went
    through while the write waited, and the sale earned 50 on 50.00 of which 20.00 was
    the voucher's.)"""
    cid = await customer_with(gql, 0)
    code = await one_code(gql, valueMinor=2000)
    async with engine.connect() as conn:
        tx = await conn.begin()
        await conn.execute(
            text("SELECT 1 FROM point_accounts WHERE customer_id = :c FOR UPDATE"), {"c": int(cid)}
        )
        sale = asyncio.create_task(record(gql, cid, "FA-1"))
        await wait_for_lock_waiters(engine)
        voucher = asyncio.create_task(
            gql.data(
                REDEEM_VOUCHER,
                {
                    "input": {
                        "code": code,
                        "customerId": cid,
                        "orderId": "FA-1",
                        "cart": CART,
                        "idempotencyKey": "fa-v",
                    }
                },
            )
        )
        # The voucher waits for the order's lock, which the sale's write holds: it cannot
        # be answered before the sale is.
        done, _ = await asyncio.wait({voucher}, timeout=1.0)
        assert not done, f"a voucher went on the order while its sale was awarded: {done}"
        await tx.rollback()
    used = (await voucher)["redeemVoucher"]
    awarded = await sale
    if used["userErrors"]:
        assert used["userErrors"] == [{"field": "orderId", "code": "ORDER_ALREADY_AWARDED"}]
        assert awarded == {"pointsAwarded": 50, "userErrors": []}
    else:
        assert awarded == {"pointsAwarded": 30, "userErrors": []}, (
            f"the voucher took 20.00 off, yet the sale earned {awarded['pointsAwarded']}"
        )
    await assert_ledger_sound(engine)


async def test_thirty_payments_racing_a_new_sales_award_are_each_counted_or_refused(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: the same, with 30 tills paying 1.00 of the order with points each while the
    sale is reported PAID: the sale earns on 50.00 less what the accepted payments paid,
    and every other payment is ORDER_ALREADY_AWARDED."""
    assert (await gql.data(RULES))["updateRedemptionRules"]["userErrors"] == []
    cid = await customer_with(gql, 10_000)

    async def pay(n: int) -> Any:
        input = {
            "customerId": cid,
            "orderId": "FA-2",
            "points": 100,
            "cart": CART,
            "idempotencyKey": f"fa-p{n}",
        }
        return (await gql.data(REDEEM_POINTS, {"input": input}))["redeemPoints"]

    awarded, *paid = await asyncio.gather(record(gql, cid, "FA-2"), *(pay(n) for n in range(30)))
    accepted = [p for p in paid if not p["userErrors"]]
    refused = [e for p in paid for e in p["userErrors"]]
    assert {e["code"] for e in refused} <= {"ORDER_ALREADY_AWARDED"}
    assert awarded["userErrors"] == []
    assert awarded["pointsAwarded"] == 50 - len(accepted), (
        f"{len(accepted)} payments of 1.00 accepted, yet the sale earned "
        f"{awarded['pointsAwarded']} on 50.00"
    )
    await assert_ledger_sound(engine)


async def test_a_payment_that_commits_while_a_new_sale_waits_is_counted(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: the same, when the payment came first: a sale whose earning context was read
    before a payment committed (its write waited for the order's lock, which the payment
    held) reads the order again and earns only on what was paid in money.

    Given a till holding the order's lock while it uses a 20.00 voucher on it, when the
    new 50.00 sale is reported PAID meanwhile, then the sale earns 30."""
    cid = await customer_with(gql, 0)
    code = await one_code(gql, valueMinor=2000)
    async with engine.connect() as conn:
        tx = await conn.begin()
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": "redeem:default/FA-3"},
        )
        sale = asyncio.create_task(record(gql, cid, "FA-3"))
        await wait_for_lock_waiters(engine, "%purchases_record_new%")
        # The voucher's use as redeemVoucher writes it, under the order's lock
        used = await conn.execute(
            text(
                "UPDATE vouchers SET uses = uses + 1 WHERE code = :code RETURNING id",
            ),
            {"code": code},
        )
        await conn.execute(
            text(
                "INSERT INTO voucher_redemptions (voucher_id, customer_id, shop, order_id,"
                " discount_minor, idempotency_key, actor) VALUES (:v, :c, 'default', 'FA-3',"
                " 2000, 'fa-3', 'test')"
            ),
            {"v": used.scalar_one(), "c": int(cid)},
        )
        await tx.commit()
    assert await sale == {"pointsAwarded": 30, "userErrors": []}
    await assert_ledger_sound(engine)
