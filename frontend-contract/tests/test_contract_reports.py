"""The back office's reports through their own operation files, read with a viewer's (or a
marketer's) token over a program built with the till's and the back office's operations:
the numbers of the worked example of docs/reports.md. Tills and customer apps may not read
them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from contract_support import customer_token, operation, run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.rollups import roll_up_now
from domain.uow import UnitOfWork
from tests.support.api import GraphQLClient, error_codes
from tests.support.ledger import assert_ledger_sound

REPORTS = {
    "admin/ReportTotals": {},
    "admin/PointsFlow": {
        "since": "2026-01-01T00:00:00Z",
        "until": "2026-02-01T00:00:00Z",
        "granularity": "DAY",
    },
    "admin/LedgerMovements": {},
    "admin/Liability": {},
    "admin/LiabilityHistory": {
        "since": "2026-01-01T00:00:00Z",
        "until": "2026-04-01T00:00:00Z",
        "granularity": "MONTH",
        "timeZone": "Asia/Kolkata",
    },
    "admin/TopRewards": {},
    "admin/CustomersPerCategory": {},
    "admin/CustomersPerBadge": {},
}


async def _customer(gql: GraphQLClient, name: str, category_id: str | None = None) -> str:
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {
            "input": {
                "externalRef": name.lower(),
                "firstName": name,
                "categoryId": category_id,
                "idempotencyKey": name,
            }
        },
    )
    customer_id: str = created["customer"]["id"]
    return customer_id


async def _adjust(gql: GraphQLClient, customer_id: str, points: int, note: str) -> str:
    adjustment = {"customerId": customer_id, "points": points, "note": note}
    moved = await run_mutation(
        gql, "admin/AdjustPoints", {"input": {**adjustment, "idempotencyKey": note}}
    )
    entry_id: str = moved["entry"]["id"]
    return entry_id


async def _program(gql: GraphQLClient) -> dict[str, str]:
    """The worked example: 100 points = 0.30; Ann buys, returns a scarf and pays with
    points; Bob wins a contest, gets a complaint credit that was typed by mistake (reversed)
    and loses 20 for a damaged card; Chloe (Premium) gets a welcome bonus and claims a mug."""
    await run_mutation(
        gql,
        "admin/UpdateRedemptionRules",
        {"input": {"pointsPerUnit": 100, "valuePerUnitMinor": 30}},
    )
    premium = await run_mutation(
        gql,
        "admin/CreatePointCategory",
        {"input": {"name": "Premium", "earnMultiplier": "2", "idempotencyKey": "premium"}},
    )
    ann, bob = await _customer(gql, "Ann"), await _customer(gql, "Bob")
    chloe = await _customer(gql, "Chloe", premium["category"]["id"])

    lines = [
        {"sku": "JACKET", "quantity": 1, "unitPriceMinor": 20000},
        {"sku": "SCARF", "quantity": 1, "unitPriceMinor": 5000},
    ]
    sale = {"orderId": "A-1", "status": "PAID", "customerId": ann, "lines": lines}
    await run_mutation(gql, "pos/RecordPurchase", {"input": sale})
    refund = {
        "orderId": "A-1",
        "idempotencyKey": "A-1-scarf",
        "lines": [{"sku": "SCARF", "quantity": 1}],
    }
    await run_mutation(gql, "pos/RefundPurchase", {"input": refund})
    cart = [{"sku": "BAG", "quantity": 1, "unitPriceMinor": 3000}]
    redeem = {
        "customerId": ann,
        "orderId": "A-2",
        "points": 120,
        "cart": cart,
        "idempotencyKey": "A-2",
    }
    await run_mutation(gql, "pos/RedeemPoints", {"input": redeem})

    await _adjust(gql, bob, 300, "Contest winner")
    mistake = await _adjust(gql, bob, 45, "complaint")
    await run_mutation(
        gql, "admin/ReverseLedgerEntry", {"input": {"entryId": mistake, "note": "typed twice"}}
    )
    await _adjust(gql, bob, -20, "damaged card")

    await _adjust(gql, chloe, 200, "welcome")
    mug = {
        "name": "Coffee mug",
        "kind": "FREE_PRODUCT",
        "costPoints": 100,
        "voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG"},
        "idempotencyKey": "mug",
    }
    reward = await run_mutation(gql, "admin/CreateReward", {"input": mug})
    claim = {"rewardId": reward["reward"]["id"], "customerId": chloe, "idempotencyKey": "mug"}
    await run_mutation(gql, "pos/ClaimReward", {"input": claim})
    return {"ann": ann, "bob": bob, "chloe": chloe}


async def test_the_readme_reports_worked_example(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given the worked example's program (rolled up, as the job does each minute), and a
    # viewer in the back office
    customers = await _program(gql)
    await roll_up_now(UnitOfWork(engine))
    viewer = gql.as_(tokens["viewer"])

    # When they read the totals of all time
    totals = (await run(viewer, "admin/ReportTotals"))["reportTotals"]

    # Then: 9 operations moved 1,130 points (125.56 on average); earned 250 + 300 + 45 - 45
    # + 200 = 750, 50 taken back by the refund, 120 + 100 = 220 spent, 20 debited by hand,
    # so 460 points are outstanding
    assert totals == {
        "since": None,
        "until": None,
        "balance": 460,
        "operations": 9,
        "pointsMoved": 1130,
        "averagePoints": "125.56",
        "earned": 750,
        "takenBack": 50,
        "spent": 220,
        "expired": 0,
        "other": -20,
        "net": 460,
    }

    # And by day, from two days ago to tomorrow, everything is today's, other days are zero
    now = datetime.now(UTC)
    flow = (
        await run(
            viewer,
            "admin/PointsFlow",
            {
                "since": (now - timedelta(days=2)).isoformat(),
                "until": (now + timedelta(days=1)).isoformat(),
                "granularity": "DAY",
            },
        )
    )["pointsFlow"]
    assert len(flow) == 4
    assert [b["net"] for b in flow] == [0, 0, 460, 0]
    assert (flow[2]["earned"], flow[2]["spent"], flow[2]["averagePoints"]) == (750, 220, "125.56")

    # And the liability: 460 points worth floor(460 * 30 / 100) = 138, 1.38, since today;
    # at the end of each day, the last one's cut at the period's end
    history = (
        await run(
            viewer,
            "admin/LiabilityHistory",
            {
                "since": (now - timedelta(days=2)).isoformat(),
                "until": (now + timedelta(days=1)).isoformat(),
                "granularity": "DAY",
            },
        )
    )["liabilityHistory"]
    assert [(h["balance"], h["valueMinor"]) for h in history] == [(0, 0), (0, 0)] + [(460, 138)] * 2
    assert datetime.fromisoformat(history[-1]["at"]) == now + timedelta(days=1)
    liability = (await run(viewer, "admin/Liability"))["liability"]
    assert liability == {
        "balance": 460,
        "held": 0,
        "spendable": 460,
        "customersWithPoints": 3,
        "valueMinor": 138,
        "spendableValueMinor": 138,
        "pointsPerUnit": 100,
        "valuePerUnitMinor": 30,
    }

    # And the mug was claimed once, for 100 points; Base has Ann (80) and Bob (280),
    # Premium has Chloe (100)
    top = (await run(viewer, "admin/TopRewards"))["topRewards"]
    assert [(r["reward"]["name"], r["claims"], r["points"], r["customers"]) for r in top] == [
        ("Coffee mug", 1, 100, 1)
    ]
    categories = (await run(viewer, "admin/CustomersPerCategory"))["customersPerCategory"]
    assert [(c["category"]["name"], c["customers"], c["balance"]) for c in categories] == [
        ("Base", 2, 360),
        ("Premium", 1, 100),
    ]

    # And with Bronze for 100-499 points and Silver from 500, Bob (280) and Chloe (100) hold
    # Bronze, nobody Silver
    for title, low, high in (("Bronze", 100, 499), ("Silver", 500, None)):
        badge = {"title": title, "minPoints": low, "maxPoints": high, "idempotencyKey": title}
        await run_mutation(gql, "admin/CreateBadge", {"input": badge})
    badges = (await run(viewer, "admin/CustomersPerBadge"))["customersPerBadge"]
    assert [(b["badge"]["title"], b["customers"], b["balance"]) for b in badges] == [
        ("Bronze", 2, 380),
        ("Silver", 0, 0),
    ]

    # And the movements: the contest (found by its note, in any case) with Bob's name;
    # the redemptions, newest first, a page at a time
    found = await _movements(viewer, filter={"reason": "CONTEST"})
    assert [(n["entry"]["points"], n["customer"]["firstName"]) for n in found["nodes"]] == [
        (300, "Bob")
    ]
    first = await _movements(viewer, first=1, filter={"kinds": ["REDEMPTION"]})
    rest = await _movements(
        viewer, first=1, after=first["endCursor"], filter={"kinds": ["REDEMPTION"]}
    )
    assert [
        (n["entry"]["points"], n["entry"]["sourceType"], n["customer"]["id"])
        for n in first["nodes"] + rest["nodes"]
    ] == [
        (-100, "reward", customers["chloe"]),
        (-120, "order", customers["ann"]),
    ]
    assert (first["hasNextPage"], rest["hasNextPage"]) == (True, False)
    await assert_ledger_sound(engine)


async def _movements(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    found = (await run(client, "admin/LedgerMovements", variables))["ledgerMovements"]
    return {
        "nodes": [edge["node"] for edge in found["edges"]],
        "hasNextPage": found["pageInfo"]["hasNextPage"],
        "endCursor": found["pageInfo"]["endCursor"],
    }


async def test_a_marketer_reads_the_reports_too(gql: GraphQLClient, tokens: dict[str, str]) -> None:
    marketer = gql.as_(tokens["marketer"])
    for name, variables in REPORTS.items():
        assert await run(marketer, name, variables)


@pytest.mark.parametrize("who", ["cashier", "customer"])
async def test_tills_and_customer_apps_may_not_read_reports(
    gql: GraphQLClient, tokens: dict[str, str], who: str
) -> None:
    # Given a till's token, or a customer app's (of a customer who exists)
    await _customer(gql, "Ann")
    token = customer_token("ann") if who == "customer" else tokens[who]
    for name, variables in REPORTS.items():
        # When it sends a report's operation, then it is refused and sees no figure
        body = await gql.as_(token).post(operation(name), variables)
        assert error_codes(body) == ["FORBIDDEN"], name
        assert body["data"] is None, name
