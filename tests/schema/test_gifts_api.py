"""Periodic gifts over the API: schedules made and changed by a marketer, invalid settings
refused with the field at fault, and a run paying each matching customer once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.gifts.runs import run_gift_schedules
from domain.uow import UnitOfWork
from tests.support.api import GraphQLClient, error_codes
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, points_of
from tests.support.refusals import assert_refused

CREATE = """mutation($input: CreateGiftScheduleInput!) { createGiftSchedule(input: $input) {
  schedule { id name cron points description active nextRunAt
             filter { categoryIds minBalance maxBalance registeredAfter registeredBefore } }
  userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateGiftScheduleInput!) { updateGiftSchedule(input: $input) {
  schedule { id name cron points active nextRunAt filter { categoryIds minBalance } }
  userErrors { field code message } } }"""
SCHEDULES = """{ giftSchedules(first: 10) { nodes { name nextRunAt
  recentRuns(first: 5) { period customersCredited customersSkipped pointsCredited } } } }"""
CATEGORY = """mutation($name: String!) { createPointCategory(input: {name: $name,
  earnMultiplier: "1", idempotencyKey: $name}) { category { id } } }"""
SET_CATEGORY = """mutation($cat: ID!, $ids: [ID!]) { setCustomerCategory(input: {categoryId: $cat,
  customerIds: $ids}) { updatedCount } }"""
LEDGER = """query($id: ID!) { customer(id: $id) { ledger(first: 1) {
  nodes { points kind note balanceAfter } } } }"""

MONTHLY = {
    "name": "Monthly thank-you",
    "cron": "0 9 1 * *",
    "points": 50,
    "description": "Thank you for being with us",
    "idempotencyKey": "monthly",
}


async def category(gql: GraphQLClient, name: str, *customer_ids: str) -> str:
    cid: str = (await gql.data(CATEGORY, {"name": name}))["createPointCategory"]["category"]["id"]
    await gql.data(SET_CATEGORY, {"cat": cid, "ids": list(customer_ids)})
    return cid


async def create(gql: GraphQLClient, **changes: Any) -> dict[str, Any]:
    schedule = {**MONTHLY, "idempotencyKey": uuid4().hex, **changes}
    payload: dict[str, Any] = (await gql.data(CREATE, {"input": schedule}))["createGiftSchedule"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def test_readme_gifts_worked_example(gql: GraphQLClient, engine: AsyncEngine) -> None:
    # Given Ann (Premium, 300 points), Bob (Premium, 40), Chloe (VIP, 2,000), Dan (Base,
    # 500) and Eve (VIP, 999,999,990: 10 below the ceiling)
    ann, bob = await customer_with(gql, 300), await customer_with(gql, 40)
    chloe, dan = await customer_with(gql, 2_000), await customer_with(gql, 500)
    eve = await customer_with(gql, 999_999_990)
    premium = await category(gql, "Premium", ann, bob)
    vip = await category(gql, "VIP", chloe, eve)
    # When a marketer gives 50 points on the 1st of each month at 09:00 UTC to Premium and
    # VIP customers with at least 100 points
    marketer = gql.as_(gql.token)
    created = await create(marketer, filter={"categoryIds": [premium, vip], "minBalance": 100})
    schedule = created["schedule"]
    assert schedule["filter"]["categoryIds"] == [premium, vip]
    first = datetime.fromisoformat(schedule["nextRunAt"])
    assert (first.day, first.hour, first.minute) == (1, 9, 0)
    # And the job runs two minutes after the period (twice: a duplicate message)
    paid = await run_gift_schedules(UnitOfWork(engine), first + timedelta(minutes=2))
    assert await run_gift_schedules(UnitOfWork(engine), first + timedelta(minutes=3)) == []
    # Then Ann and Chloe got 50 each, Bob (40 points) and Dan (Base) nothing, Eve was skipped
    assert len(paid) == 1
    assert [(await points_of(gql, c))["balance"] for c in (ann, bob, chloe, dan, eve)] == [
        350,
        40,
        2_050,
        500,
        999_999_990,
    ]
    entry = (await gql.data(LEDGER, {"id": ann}))["customer"]["ledger"]["nodes"][0]
    assert entry == {
        "points": 50,
        "kind": "GIFT",
        "note": "Thank you for being with us",
        "balanceAfter": 350,
    }
    # And the schedule shows the run
    (shown,) = (await gql.data(SCHEDULES))["giftSchedules"]["nodes"]
    assert shown["recentRuns"] == [
        {
            "period": first.isoformat(),
            "customersCredited": 2,
            "customersSkipped": 1,
            "pointsCredited": 100,
        }
    ]
    await assert_ledger_sound(engine)


async def test_an_invalid_cron_is_refused_naming_its_field_and_nothing_is_written(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    body = await assert_refused(
        gql, engine, CREATE, {**MONTHLY, "cron": "0 25 1 * *"}, "cron", "INVALID_CRON"
    )
    (error,) = body["data"]["createGiftSchedule"]["userErrors"]
    assert "hour field '25'" in error["message"]
    await assert_refused(
        gql, engine, CREATE, {**MONTHLY, "cron": "0 9 1 *"}, "cron", "INVALID_CRON"
    )


async def test_bad_settings_are_refused_together_with_their_fields(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    bad = {
        **MONTHLY,
        "name": " ",
        "points": 0,
        "description": "",
        "filter": {"minBalance": 500, "maxBalance": 100, "categoryIds": ["x"]},
    }
    body = await assert_refused(gql, engine, CREATE, bad, "points", "OUT_OF_RANGE")
    found = {(e["field"], e["code"]) for e in body["data"]["createGiftSchedule"]["userErrors"]}
    assert found == {
        ("name", "REQUIRED"),
        ("points", "OUT_OF_RANGE"),
        ("description", "REQUIRED"),
        ("filter.maxBalance", "INVALID"),
        ("filter.categoryIds.0", "INVALID"),
    }
    unknown = {**MONTHLY, "filter": {"categoryIds": ["999"]}}
    await assert_refused(gql, engine, CREATE, unknown, "filter.categoryIds.0", "NOT_FOUND")
    await create(gql)
    await assert_refused(gql, engine, CREATE, MONTHLY, "name", "DUPLICATE")
    await assert_refused(gql, engine, UPDATE, {"id": "999", "points": 5}, "id", "NOT_FOUND")


async def test_an_update_changes_what_is_given_and_pausing_hides_the_next_run(
    gql: GraphQLClient,
) -> None:
    made = (await create(gql))["schedule"]
    changed = (
        await gql.data(
            UPDATE,
            {"input": {"id": made["id"], "points": 75, "cron": "0 9 * * 1", "active": False}},
        )
    )["updateGiftSchedule"]
    assert changed["userErrors"] == []
    assert {k: changed["schedule"][k] for k in ("name", "cron", "points", "active")} == {
        "name": "Monthly thank-you",
        "cron": "0 9 * * 1",
        "points": 75,
        "active": False,
    }
    assert changed["schedule"]["nextRunAt"] is None
    resumed = (await gql.data(UPDATE, {"input": {"id": made["id"], "active": True}}))[
        "updateGiftSchedule"
    ]["schedule"]
    assert datetime.fromisoformat(resumed["nextRunAt"]).weekday() == 0  # a Monday


async def test_marketers_manage_gifts_and_cashiers_may_not_see_them(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    assert (await create(marketer))["schedule"]["id"]
    assert len((await marketer.data(SCHEDULES))["giftSchedules"]["nodes"]) == 1
    assert error_codes(await gql.as_(tokens["cashier"]).post(SCHEDULES)) == ["FORBIDDEN"]
