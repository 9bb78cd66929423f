"""The till's flows, with the POS frontend's own operation files and a cashier token:
scan a card, report the sale, refund part of it; and checkout with points: scan, quote,
hold, capture, report the sale, print the order's points, return an item."""

from __future__ import annotations

from contract_support import run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from tests.support.api import GraphQLClient

CARD = "2900000012345"


async def test_cashier_scans_card_records_sale_then_refunds_one_line(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given a customer registered in the back office with a loyalty card
    # (default rule: 1 point per 1.00 spent, awarded once the order is paid).
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {
            "input": {
                "cardCode": CARD,
                "externalRef": "shop-42",
                "firstName": "Ann",
                "idempotencyKey": "shop-42",
            }
        },
    )
    customer_id = created["customer"]["id"]
    till = gql.as_(tokens["cashier"])

    # When the cashier scans the card, then the till shows who it is and a zero balance.
    found = (await run(till, "pos/LookupByCard", {"code": CARD}))["customerByCard"]
    assert found["id"] == customer_id
    assert found["firstName"] == "Ann"
    assert found["category"]["name"] == "Base"
    assert found["points"] == {"balance": 0, "held": 0, "spendable": 0}

    # When the paid sale is reported by card: 2 x 12.50 + 1 x 7.99 = 32.99.
    sale = {
        "orderId": "T1-0001",
        "status": "PAID",
        "cardCode": CARD,
        "channel": "POS",
        "lines": [
            {"sku": "BEANS-1KG", "quantity": 2, "unitPriceMinor": 1250},
            {"sku": "MUG", "quantity": 1, "unitPriceMinor": 799},
        ],
    }
    recorded = await run_mutation(till, "pos/RecordPurchase", {"input": sale})

    # Then the receipt shows 32 points earned and the new balance.
    assert recorded["pointsAwarded"] == 32
    assert recorded["replayed"] is False
    assert recorded["purchase"]["totalMinor"] == 3299
    assert recorded["purchase"]["pointsEarned"] == 32
    assert recorded["points"] == {"balance": 32}

    # When the till retries the same report (a timeout), then nothing is credited twice.
    retried = await run_mutation(till, "pos/RecordPurchase", {"input": sale})
    assert retried["replayed"] is True
    assert retried["pointsAwarded"] == 0
    assert retried["points"] == {"balance": 32}

    # When one bag of beans is returned, then the points it carried are taken back:
    # the rest of the order (20.49) still earns 20 points.
    refund = {
        "orderId": "T1-0001",
        "idempotencyKey": "T1-0001-return-1",
        "lines": [{"sku": "BEANS-1KG", "quantity": 1}],
    }
    refunded = await run_mutation(till, "pos/RefundPurchase", {"input": refund})
    assert refunded["refund"]["amountMinor"] == 1250
    assert refunded["refund"]["pointsDue"] == 12
    assert refunded["refund"]["pointsTaken"] == 12
    assert refunded["refund"]["pointsUncollected"] == 0
    assert refunded["points"] == {"balance": 20}
    beans = next(ln for ln in refunded["purchase"]["lines"] if ln["sku"] == "BEANS-1KG")
    assert beans == {"sku": "BEANS-1KG", "quantity": 2, "refundedQuantity": 1}

    # When the refund is retried with its key, then it is not taken twice.
    again = await run_mutation(till, "pos/RefundPurchase", {"input": refund})
    assert again["replayed"] is True
    assert again["points"] == {"balance": 20}

    # Then the next scan shows the balance after the return, and the ledger is sound.
    rescanned = (await run(till, "pos/LookupByCard", {"code": CARD}))["customerByCard"]
    assert rescanned["points"] == {"balance": 20, "held": 0, "spendable": 20}
    async with engine.connect() as conn:
        assert await find_violations(conn) == []


async def test_unknown_card_finds_nobody_and_a_sale_on_it_is_refused(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given no customer holds the scanned card.
    till = gql.as_(tokens["cashier"])

    # When the cashier scans it, then the till finds nobody.
    assert (await run(till, "pos/LookupByCard", {"code": "NO-SUCH-CARD"})) == {
        "customerByCard": None
    }

    # When a sale is reported on it, then it is refused as NOT_FOUND and nothing is written.
    sale = {
        "orderId": "T1-0002",
        "status": "PAID",
        "cardCode": "NO-SUCH-CARD",
        "lines": [{"sku": "MUG", "quantity": 1, "unitPriceMinor": 799}],
    }
    payload = (await run(till, "pos/RecordPurchase", {"input": sale}))["recordPurchase"]
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    assert payload["purchase"] is None


async def test_checkout_pays_with_points_and_the_receipt_prints_them(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given docs/checkout.md's program: 100 points = 1.00, at most 30% of a cart of 10.00 or more,
    # gift cards and already discounted lines not payable with points; 1 point per 1.00
    # earned on what is paid in money. Ann has 2,550 points on her card.
    rules = {
        "maxDiscountBp": 3000,
        "minCartMinor": 1000,
        "excludeDiscounted": True,
        "productRules": [{"kind": "SKU", "key": "GIFT-CARD", "payable": False}],
    }
    await run_mutation(gql, "admin/UpdateRedemptionRules", {"input": rules})
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {"input": {"cardCode": "2900000054321", "firstName": "Ann", "idempotencyKey": "a"}},
    )
    customer_id = created["customer"]["id"]
    credit = {"customerId": customer_id, "points": 2550, "note": "welcome", "idempotencyKey": "w"}
    await run_mutation(gql, "admin/AdjustPoints", {"input": credit})
    till = gql.as_(tokens["cashier"])

    # When the cashier scans her card, then the till shows 2,550 spendable points.
    found = (await run(till, "pos/LookupByCard", {"code": "2900000054321"}))["customerByCard"]
    assert found["points"] == {"balance": 2550, "held": 0, "spendable": 2550}

    # When the till quotes the cart (52.99), then 1,589 points can pay 15.89 (30%).
    cart = [
        {"sku": "SHIRT", "quantity": 2, "unitPriceMinor": 1250},
        {"sku": "SOCKS", "quantity": 1, "unitPriceMinor": 799, "discounted": True},
        {"sku": "GIFT-CARD", "quantity": 1, "unitPriceMinor": 2000},
    ]
    quote = (await run(till, "pos/QuoteRedemption", {"customerId": customer_id, "cart": cart}))[
        "quoteRedemption"
    ]
    assert (quote["cartTotalMinor"], quote["eligibleMinor"]) == (5299, 2500)
    assert (quote["maxPoints"], quote["maxValueMinor"], quote["reasons"]) == (1589, 1589, [])

    # When she accepts, the till holds them while the card payment runs.
    hold_input = {
        "customerId": customer_id,
        "orderId": "T2-0001",
        "points": quote["maxPoints"],
        "cart": cart,
        "idempotencyKey": "T2-0001-hold",
    }
    held = await run_mutation(till, "pos/HoldPoints", {"input": hold_input})
    assert (held["hold"]["status"], held["hold"]["valueMinor"]) == ("ACTIVE", 1589)
    assert held["points"] == {"balance": 2550, "held": 1589, "spendable": 961}

    # When the payment of the other 37.10 succeeds, the till captures the hold.
    captured = await run_mutation(till, "pos/CaptureHold", {"holdId": held["hold"]["id"]})
    assert captured["hold"]["status"] == "CAPTURED"
    assert captured["points"] == {"balance": 961, "held": 0, "spendable": 961}

    # When the paid sale is reported, then only the 37.10 paid in money earns: 37 points.
    sale = {
        "orderId": "T2-0001",
        "status": "PAID",
        "cardCode": "2900000054321",
        "lines": cart,
    }
    recorded = await run_mutation(till, "pos/RecordPurchase", {"input": sale})
    assert recorded["pointsAwarded"] == 37
    assert recorded["points"] == {"balance": 998}

    # Then the receipt prints the points earned and used, and the balance after.
    printed = (await run(till, "pos/OrderPoints", {"orderId": "T2-0001"}))["orderPoints"]
    assert printed == {
        "pointsEarned": 37,
        "pointsUsed": 1589,
        "valueRedeemedMinor": 1589,
        "balance": 998,
    }

    # When one shirt (12.50) is returned, then its share of the points used comes back
    # (1589 x 12.50 / 52.99 = 374 points, 3.74 of the refund) and the 9 points it earned go
    # (the rest, 40.49 less the 12.15 still paid in points, earns 28 of the 37).
    refund = {
        "orderId": "T2-0001",
        "idempotencyKey": "T2-0001-return-1",
        "lines": [{"sku": "SHIRT", "quantity": 1}],
    }
    refunded = await run_mutation(till, "pos/RefundPurchase", {"input": refund})
    assert refunded["refund"]["pointsReturned"] == 374
    assert refunded["refund"]["valueReturnedMinor"] == 374
    assert refunded["refund"]["pointsTaken"] == 9
    assert refunded["points"] == {"balance": 1363}
    reprinted = (await run(till, "pos/OrderPoints", {"orderId": "T2-0001"}))["orderPoints"]
    assert reprinted == {
        "pointsEarned": 28,
        "pointsUsed": 1215,
        "valueRedeemedMinor": 1215,
        "balance": 1363,
    }
    async with engine.connect() as conn:
        assert await find_violations(conn) == []


async def test_points_paid_on_an_abandoned_sale_come_back(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given a customer with 1,000 points who paid 5.00 of a 20.00 sale with 500 of them
    created = await run_mutation(
        gql, "admin/CreateCustomer", {"input": {"cardCode": "AB-1", "idempotencyKey": "AB-1"}}
    )
    customer_id = created["customer"]["id"]
    credit = {"customerId": customer_id, "points": 1000, "note": "start", "idempotencyKey": "s"}
    await run_mutation(gql, "admin/AdjustPoints", {"input": credit})
    till = gql.as_(tokens["cashier"])
    payment = {
        "customerId": customer_id,
        "orderId": "T3-0001",
        "points": 500,
        "cart": [{"sku": "SCARF", "quantity": 1, "unitPriceMinor": 2000}],
        "idempotencyKey": "T3-0001-points",
    }
    paid = await run_mutation(till, "pos/RedeemPoints", {"input": payment})
    assert paid["points"] == {"balance": 500}

    # When the card payment for the rest fails and the cashier cancels the sale
    cancelled = await run_mutation(
        till, "pos/CancelRedemption", {"redemptionId": paid["redemption"]["id"]}
    )

    # Then the 500 points are back and the receipt shows no points on the order
    assert cancelled["redemption"]["cancelledAt"]
    assert cancelled["points"] == {"balance": 1000}
    assert (await run(till, "pos/OrderPoints", {"orderId": "T3-0001"})) == {"orderPoints": None}
    async with engine.connect() as conn:
        assert await find_violations(conn) == []


async def test_a_voucher_then_points_on_one_order_and_a_hold_released(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given Cleo (Bronze: 100 points and up; Silver from 2,000) with 1,000 points on her
    # card, a single-use 5.00 voucher, and the default rate (100 points = 1.00).
    for title, low, high in (("Bronze", 100, 1999), ("Silver", 2000, None)):
        badge = {"title": title, "minPoints": low, "maxPoints": high, "idempotencyKey": title}
        await run_mutation(gql, "admin/CreateBadge", {"input": badge})
    created = await run_mutation(
        gql, "admin/CreateCustomer", {"input": {"cardCode": "CL-1", "idempotencyKey": "CL-1"}}
    )
    customer_id = created["customer"]["id"]
    credit = {"customerId": customer_id, "points": 1000, "note": "start", "idempotencyKey": "c"}
    await run_mutation(gql, "admin/AdjustPoints", {"input": credit})
    batch = {"name": "Five off", "count": 1, "kind": "FIXED_AMOUNT", "valueMinor": 500}
    made = await run_mutation(
        gql, "admin/CreateVoucherBatch", {"input": {**batch, "idempotencyKey": "five"}}
    )
    listed = await run(gql, "admin/Vouchers", {"filter": {"batchId": made["batch"]["id"]}})
    code = listed["vouchers"]["edges"][0]["node"]["code"]
    till = gql.as_(tokens["cashier"])

    # When the cashier scans her card, then the till shows her badge and the next one.
    found = (await run(till, "pos/LookupByCard", {"code": "CL-1"}))["customerByCard"]
    assert [u["badge"]["title"] for u in found["badges"]["unlocked"]] == ["Bronze"]
    assert [(n["badge"]["title"], n["pointsNeeded"]) for n in found["badges"]["next"]] == [
        ("Silver", 1000)
    ]
    # And the till knows what a point is worth, to price the points the cashier types.
    rate = (await run(till, "pos/RedemptionRate"))["redemptionRules"]
    assert rate == {"pointsPerUnit": 100, "valuePerUnitMinor": 100}

    # When the voucher takes 5.00 off her 12.00 order, then the points can pay only the
    # 7.00 it left on the order (10.00 on the cart alone).
    cart = [{"sku": "TEA", "quantity": 1, "unitPriceMinor": 1200}]
    order = {"customerId": customer_id, "cart": cart}
    alone = (await run(till, "pos/QuoteRedemption", order))["quoteRedemption"]
    assert (alone["maxPoints"], alone["maxValueMinor"]) == (1000, 1000)
    use = {**order, "code": code, "orderId": "T4-0001", "idempotencyKey": "T4-0001-voucher"}
    used = await run_mutation(till, "pos/RedeemVoucher", {"input": use})
    assert used["redemption"]["discountMinor"] == 500
    net = (await run(till, "pos/QuoteRedemption", {**order, "orderId": "T4-0001"}))[
        "quoteRedemption"
    ]
    assert (net["maxPoints"], net["maxValueMinor"]) == (700, 700)

    # When the till holds those points and the customer then changes her mind, the cashier
    # releases the hold: the points are spendable again and nothing was debited.
    hold = {**order, "orderId": "T4-0001", "points": 700, "idempotencyKey": "T4-0001-hold"}
    held = await run_mutation(till, "pos/HoldPoints", {"input": hold})
    assert held["points"] == {"balance": 1000, "held": 700, "spendable": 300}
    released = await run_mutation(till, "pos/ReleaseHold", {"holdId": held["hold"]["id"]})
    assert released["hold"]["status"] == "RELEASED"
    assert released["points"] == {"balance": 1000, "held": 0, "spendable": 1000}
    async with engine.connect() as conn:
        assert await find_violations(conn) == []
