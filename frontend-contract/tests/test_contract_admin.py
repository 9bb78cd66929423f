"""The back office's flows, with its own operation files and an admin token: earning rules
and tiers, the filtered customers list and bulk tier changes, adjustments with a preview,
and reversals."""

from __future__ import annotations

from typing import Any

from contract_support import operation, run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from tests.support.api import GraphQLClient, error_codes


async def _customer(gql: GraphQLClient, email: str, first_name: str) -> str:
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {"input": {"email": email, "firstName": first_name, "idempotencyKey": email}},
    )
    customer_id: str = created["customer"]["id"]
    return customer_id


async def _adjust(
    gql: GraphQLClient, customer_id: str, points: int, note: str, key: str
) -> dict[str, Any]:
    adjustment = {"customerId": customer_id, "points": points, "note": note}
    return await run_mutation(
        gql, "admin/AdjustPoints", {"input": {**adjustment, "idempotencyKey": key}}
    )


async def _list(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    customers: dict[str, Any] = (await run(gql, "admin/CustomersList", variables))["customers"]
    return customers


def _names(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["firstName"] for edge in page["edges"]]


async def test_premium_tier_for_big_balances_doubles_their_earning(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given earning rules of 1 point per 1.00 with gift cards earning nothing,
    # and a Premium tier earning double.
    rules = await run_mutation(
        gql,
        "admin/UpdateEarningRules",
        {
            "input": {
                "pointsPerUnit": 1,
                "spendUnitMinor": 100,
                "awardStatus": "PAID",
                "productOverrides": [{"sku": "GIFT-CARD", "mode": "EXCLUDED"}],
            }
        },
    )
    assert rules["rules"]["productOverrides"] == [
        {"sku": "GIFT-CARD", "mode": "EXCLUDED", "value": 0}
    ]
    premium = await run_mutation(
        gql,
        "admin/CreatePointCategory",
        {"input": {"name": "Premium", "earnMultiplier": "2", "idempotencyKey": "premium"}},
    )
    premium_id = premium["category"]["id"]
    assert premium["category"]["isDefault"] is False

    # And three customers, two of them with 500 points or more.
    ann = await _customer(gql, "ann@example.com", "Ann")
    bob = await _customer(gql, "bob@example.com", "Bob")
    cy = await _customer(gql, "cy@example.com", "Cy")
    await _adjust(gql, ann, 800, "contest winner", "ann-contest")
    await _adjust(gql, bob, 200, "referral", "bob-referral")
    await _adjust(gql, cy, 500, "complaint", "cy-complaint")

    # When the manager filters the list on a balance of at least 500, a page at a time,
    # then it shows exactly those two.
    big = {"minBalance": 500}
    page = await _list(gql, first=1, filter=big)
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await _list(gql, first=1, after=page["pageInfo"]["endCursor"], filter=big)
    assert rest["pageInfo"]["hasNextPage"] is False
    assert sorted(_names(page) + _names(rest)) == ["Ann", "Cy"]

    # When they move everyone matching that filter to Premium, at once.
    moved = await run_mutation(
        gql,
        "admin/SetCustomerCategory",
        {"input": {"categoryId": premium_id, "filter": big}},
    )

    # Then exactly those two changed tier, and the list by tier agrees.
    assert moved["updatedCount"] == 2
    assert sorted(c["id"] for c in moved["customers"]) == sorted([ann, cy])
    in_premium = await _list(gql, filter={"categoryId": premium_id})
    assert sorted(_names(in_premium)) == ["Ann", "Cy"]
    everyone = await _list(gql, first=10)
    tiers = {e["node"]["firstName"]: e["node"]["category"]["name"] for e in everyone["edges"]}
    assert tiers == {"Ann": "Premium", "Bob": "Base", "Cy": "Premium"}

    # When Ann and Bob each buy 10.00 of goods and a 50.00 gift card.
    lines = [
        {"sku": "SHIRT", "quantity": 1, "unitPriceMinor": 1000},
        {"sku": "GIFT-CARD", "quantity": 1, "unitPriceMinor": 5000},
    ]
    earned = {}
    for name, customer_id in (("Ann", ann), ("Bob", bob)):
        sale = {"orderId": f"O-{name}", "status": "PAID", "customerId": customer_id}
        recorded = await run_mutation(
            gql, "pos/RecordPurchase", {"input": {**sale, "lines": lines}}
        )
        earned[name] = recorded["pointsAwarded"]

    # Then the gift card earns nothing and Premium earns double.
    assert earned == {"Ann": 20, "Bob": 10}
    async with engine.connect() as conn:
        assert await find_violations(conn) == []


async def test_preview_then_adjust_then_reverse_a_mistaken_debit(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given a customer with 200 points.
    bob = await _customer(gql, "bob@example.com", "Bob")
    await _adjust(gql, bob, 200, "referral", "bob-referral")

    # When staff preview a debit of 300, then they see it would overdraw, before saving.
    preview = await run(gql, "admin/PreviewAdjustment", {"customerId": bob, "points": -300})
    refused = preview["previewAdjustment"]
    assert (refused["currentBalance"], refused["projectedBalance"]) == (200, -100)
    assert refused["allowed"] is False
    assert [p["code"] for p in refused["problems"]] == ["INSUFFICIENT_POINTS"]

    # When they preview 50 instead, then it is allowed and leaves 150; nothing is written.
    preview = await run(gql, "admin/PreviewAdjustment", {"customerId": bob, "points": -50})
    allowed = preview["previewAdjustment"]
    assert (allowed["currentBalance"], allowed["projectedBalance"], allowed["allowed"]) == (
        200,
        150,
        True,
    )

    # When they save it (and the form is submitted twice), then it is debited once.
    debit = await _adjust(gql, bob, -50, "damaged voucher", "bob-voucher")
    assert debit["entry"]["points"] == -50
    assert debit["entry"]["kind"] == "MANUAL"
    assert debit["points"] == {"balance": 150, "lifetimeEarned": 200, "lifetimeSpent": 50}
    twice = await _adjust(gql, bob, -50, "damaged voucher", "bob-voucher")
    assert twice["replayed"] is True
    assert twice["entry"]["id"] == debit["entry"]["id"]
    assert twice["points"]["balance"] == 150

    # When the debit turns out to be a mistake and is reversed.
    entry_id = debit["entry"]["id"]
    reversal = await run_mutation(
        gql, "admin/ReverseLedgerEntry", {"input": {"entryId": entry_id, "note": "wrong card"}}
    )

    # Then the points are back, with a linked reversal entry keeping the trail.
    assert reversal["entry"]["kind"] == "REVERSAL"
    assert reversal["entry"]["points"] == 50
    assert reversal["entry"]["reversesEntryId"] == entry_id
    assert reversal["points"] == {"balance": 200}

    # When someone tries to reverse it again, then it is refused and nothing changes.
    again = (
        await run(
            gql, "admin/ReverseLedgerEntry", {"input": {"entryId": entry_id, "note": "again"}}
        )
    )["reverseLedgerEntry"]
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_REVERSED"]
    assert again["entry"] is None

    # And a cashier's till cannot adjust points at all.
    till = gql.as_(tokens["cashier"])
    adjustment = {"customerId": bob, "points": 1000, "note": "self-service", "idempotencyKey": "x"}
    body = await till.post(operation("admin/AdjustPoints"), {"input": adjustment})
    assert error_codes(body) == ["FORBIDDEN"]
    async with engine.connect() as conn:
        assert await find_violations(conn) == []
