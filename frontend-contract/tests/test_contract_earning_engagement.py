"""Engagement that earns, end to end with the operation files: marketing sets the validity of
points, the actions that earn and a promotion; the shop registers a customer, credits a
review and records a sale; the customer's area shows what expires when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract_support import customer_token, run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound


async def test_marketing_sets_earning_and_expiry_and_the_customer_sees_it(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    marketer, manager = gql.as_(tokens["marketer"]), gql.as_(tokens["manager"])
    # Given points valid 12 months, 50 for registering, 10 a review
    await run_mutation(marketer, "admin/UpdatePointsExpiry", {"input": {"validityMonths": 12}})
    assert (await run(marketer, "admin/PointsExpiry"))["pointsExpiry"] == {
        "validityDays": None,
        "validityMonths": 12,
    }
    actions = [
        {"action": "REGISTRATION", "points": 50, "oncePerCustomer": True},
        {"action": "REVIEW", "points": 10, "oncePerCustomer": False},
    ]
    await run_mutation(marketer, "admin/UpdateEarningActions", {"input": {"actions": actions}})
    listed = (await run(marketer, "admin/EarningActions"))["earningActions"]
    assert [(a["action"], a["points"]) for a in listed] == [("REGISTRATION", 50), ("REVIEW", 10)]
    # And tea earning double points today, made then renamed
    now = datetime.now(UTC)
    promotion = {
        "name": "Tea days",
        "startsAt": (now - timedelta(days=1)).isoformat(),
        "endsAt": (now + timedelta(days=1)).isoformat(),
        "multiplier": "2",
        "productLines": ["tea"],
        "idempotencyKey": "tea-days",
    }
    made = await run_mutation(marketer, "admin/CreatePromotion", {"input": promotion})
    # (a retry after a lost answer makes no second promotion)
    again = await run_mutation(marketer, "admin/CreatePromotion", {"input": promotion})
    assert (again["replayed"], again["promotion"]["id"]) == (True, made["promotion"]["id"])
    renamed = await run_mutation(
        marketer,
        "admin/UpdatePromotion",
        {"input": {"id": made["promotion"]["id"], "name": "Double tea days"}},
    )
    assert renamed["promotion"]["name"] == "Double tea days"
    page = (await run(marketer, "admin/Promotions", {"first": 10}))["promotions"]
    assert [(p["name"], p["multiplier"]) for p in page["nodes"]] == [("Double tea days", "2.0000")]

    # When the shop registers Ann, credits her review (twice: the retry earns nothing more),
    # and she buys 12.00 of tea
    created = await run_mutation(
        gql, "admin/CreateCustomer", {"input": {"externalRef": "ann", "idempotencyKey": "ann"}}
    )
    cid = created["customer"]["id"]
    review = {"customerId": cid, "action": "REVIEW", "reference": "review-77"}
    first = await run_mutation(manager, "admin/RecordCustomerAction", {"input": review})
    retry = await run_mutation(manager, "admin/RecordCustomerAction", {"input": review})
    assert (first["points"]["balance"], retry["replayed"]) == (60, True)
    assert first["entry"]["kind"] == "ACTION" and first["entry"]["source"] == "REVIEW/review-77"
    sale = {
        "orderId": "T-1",
        "status": "PAID",
        "customerId": cid,
        "lines": [{"sku": "TEA", "quantity": 2, "unitPriceMinor": 600, "productLine": "tea"}],
    }
    recorded = await run_mutation(gql.as_(tokens["cashier"]), "pos/RecordPurchase", {"input": sale})
    assert recorded["pointsAwarded"] == 24

    # Then her area shows 84 points, none expiring within 30 days, all of them in 12 months
    app = gql.as_(customer_token("ann"))
    soon = (await run(app, "customer-area/MyExpiringPoints"))["me"]["points"]
    assert (soon["balance"], soon["lifetimeExpired"], soon["expiringSoon"]) == (84, 0, [])
    later = (await run(app, "customer-area/MyExpiringPoints", {"withinDays": 400}))["me"]
    (expiring,) = later["points"]["expiringSoon"]
    assert expiring["points"] == 84
    assert 365 <= (datetime.fromisoformat(expiring["expiresAt"]) - now).days <= 367
    await assert_ledger_sound(engine)
