"""The back office's periodic gifts and tiers by rule, with its own operation files: a
marketer makes a monthly gift and a tier ladder (previewed first), the jobs pay the gift and
place the customers, and a manager hands a hand-set category back to the rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from contract_support import run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.gifts.runs import run_gift_schedules
from domain.uow import UnitOfWork
from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound


async def _customer(gql: GraphQLClient, name: str, points: int) -> tuple[str, str]:
    """A new customer credited `points`: their id and their (default) category's id."""
    created = await run_mutation(
        gql, "admin/CreateCustomer", {"input": {"firstName": name, "idempotencyKey": name}}
    )
    cid: str = created["customer"]["id"]
    adjustment = {"customerId": cid, "points": points, "note": "start", "idempotencyKey": name}
    await run_mutation(gql, "admin/AdjustPoints", {"input": adjustment})
    return cid, created["customer"]["category"]["id"]


def _moves(payload: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(m["from"]["name"], m["to"]["name"], m["customers"]) for m in payload["moves"]]


async def test_a_monthly_gift_and_a_points_ladder_run_end_to_end(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    marketer, manager = gql.as_(tokens["marketer"]), gql.as_(tokens["manager"])
    # Given Ann with 250 points, Bob with 40, and a Silver tier
    (_, base_id), (bob, _) = await _customer(gql, "Ann", 250), await _customer(gql, "Bob", 40)
    silver = await run_mutation(
        gql,
        "admin/CreatePointCategory",
        {"input": {"name": "Silver", "earnMultiplier": "1.5", "idempotencyKey": "silver"}},
    )
    silver_id = silver["category"]["id"]
    # When a marketer gives 25 points on the 1st of each month to customers with 100 or more
    gift = {
        "name": "Monthly",
        "cron": "0 8 1 * *",
        "points": 25,
        "description": "Your monthly gift",
        "filter": {"minBalance": 100},
        "idempotencyKey": "monthly",
    }
    made = (await run_mutation(marketer, "admin/CreateGiftSchedule", {"input": gift}))["schedule"]
    period = datetime.fromisoformat(made["nextRunAt"])
    # And the job pays the period (as the worker does on the 1st)
    await run_gift_schedules(UnitOfWork(engine), period + timedelta(minutes=1))
    # Then the schedule shows one run crediting Ann alone
    schedules = (await run(marketer, "admin/GiftSchedules", {"first": 10}))["giftSchedules"]
    (paid,) = schedules["nodes"][0]["recentRuns"]
    assert (paid["customersCredited"], paid["pointsCredited"]) == (1, 25)
    # When the marketer pauses it, then it has no next run
    pause = {"input": {"id": made["id"], "active": False}}
    paused = await run_mutation(marketer, "admin/UpdateGiftSchedule", pause)
    assert paused["schedule"]["nextRunAt"] is None

    # When the marketer previews a ladder of points earned over 90 days: Base 0, Silver 200
    ladder = {
        "measure": "POINTS_EARNED",
        "windowDays": 90,
        "rungs": [
            {"categoryId": base_id, "threshold": 0},
            {"categoryId": silver_id, "threshold": 200},
        ],
    }
    preview = await run_mutation(
        marketer, "admin/SetTierRules", {"input": {**ladder, "dryRun": True}}
    )
    # Then Ann (250 + 25 earned) would move to Silver; nothing is saved yet
    assert _moves(preview) == [("Base", "Silver", 1)]
    assert (await run(marketer, "admin/TierRules"))["tierRules"]["rungs"] == []
    # When it is set and evaluated, then Ann is Silver and Bob stays Base
    await run_mutation(marketer, "admin/SetTierRules", {"input": ladder})
    rules = (await run(gql.as_(tokens["cashier"]), "admin/TierRules"))["tierRules"]
    assert [(r["threshold"], r["category"]["name"]) for r in rules["rungs"]] == [
        (0, "Base"),
        (200, "Silver"),
    ]
    evaluated = await run_mutation(marketer, "admin/EvaluateTiers", {})
    assert _moves(evaluated) == [("Base", "Silver", 1)]

    # When a manager puts Bob in Silver by hand, the rules leave him there
    by_hand = {"input": {"categoryId": silver_id, "customerIds": [bob]}}
    await run_mutation(manager, "admin/SetCustomerCategory", by_hand)
    assert (await run_mutation(marketer, "admin/EvaluateTiers", {}))["movedCount"] == 0
    # Until the manager hands him back to the rules, which put him in Base again
    released = await run_mutation(
        manager, "admin/ReleaseCategoryOverride", {"input": {"customerIds": [bob]}}
    )
    assert (released["releasedCount"], _moves(released)) == (1, [("Silver", "Base", 1)])
    assert released["customers"] == [
        {"id": bob, "categoryManual": False, "category": {"name": "Base"}}
    ]
    await assert_ledger_sound(engine)
