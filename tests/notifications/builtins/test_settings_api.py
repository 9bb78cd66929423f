"""The built-in notifications' settings over HTTP: read and set by whoever may manage
notifications, every mistake a user error on its field with nothing written, and refused
to the other roles."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.refusals import assert_refused, counts

LIST = """{ builtInNotifications { kind enabled purpose events emailTemplateId textTemplateId
  thresholds daysBefore updatedAt } }"""
SET = """mutation($input: SetBuiltInNotificationInput!) {
  setBuiltInNotification(input: $input) {
    notification { kind enabled purpose events emailTemplateId textTemplateId thresholds
                   daysBefore }
    userErrors { field code message } } }"""
CREATE = """mutation($input: CreateMessageTemplateInput!) {
  createMessageTemplate(input: $input) { template { id } userErrors { code } } }"""


async def template(gql: GraphQLClient, channel: str) -> str:
    parts: dict[str, Any] = (
        {"subject": "Hi [first_name]", "textBody": "[points]"}
        if channel == "EMAIL"
        else {"text": "[points]"}
    )
    if channel == "MMS":
        parts["mediaUrls"] = ["https://cdn.example/p.png"]
    values = {
        "name": f"{channel}-{uuid4().hex[:6]}",
        "channel": channel,
        "fallbackLocale": "en-US",
        "translations": [{"locale": "en-US", **parts}],
        "idempotencyKey": uuid4().hex,
    }
    made = (await gql.data(CREATE, {"input": values}))["createMessageTemplate"]
    assert made["userErrors"] == []
    tid: str = made["template"]["id"]
    return tid


async def test_every_kind_is_listed_off_until_a_marketer_switches_it_on(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    # Given nothing set: every kind is listed, off
    listed = (await marketer.data(LIST))["builtInNotifications"]
    assert [(n["kind"], n["enabled"], n["daysBefore"]) for n in listed] == [
        ("POINTS_EARNED", False, None),
        ("THRESHOLD_REACHED", False, None),
        ("POINTS_EXPIRING", False, 7),
        ("BADGE_UNLOCKED", False, None),
        ("VOUCHER_ISSUED", False, None),
        ("REWARD_CLAIMED", False, None),
    ]
    assert [n["purpose"] for n in listed] == ["MARKETING"] * 4 + ["TRANSACTIONAL"] * 2
    assert listed[4]["events"] == ["VoucherAssigned", "PointsConvertedToVoucher"]
    # When a marketer switches thresholds on, by email and MMS
    email, mms = await template(gql, "EMAIL"), await template(gql, "MMS")
    wanted = {"kind": "THRESHOLD_REACHED", "enabled": True, "emailTemplateId": email,
              "textTemplateId": mms, "thresholds": [1000, 500]}  # fmt: skip
    saved = (await marketer.data(SET, {"input": wanted}))["setBuiltInNotification"]
    # Then it is saved, thresholds ascending
    assert saved["userErrors"] == []
    assert saved["notification"] == {
        "kind": "THRESHOLD_REACHED",
        "enabled": True,
        "purpose": "MARKETING",
        "events": ["PointsEarned"],
        "emailTemplateId": email,
        "textTemplateId": mms,
        "thresholds": [500, 1000],
        "daysBefore": None,
    }
    listed = (await marketer.data(LIST))["builtInNotifications"]
    assert listed[1]["enabled"] and listed[1]["updatedAt"]
    # And the whole setting is replaced by the next save: off, the SMS template cleared
    off = {"kind": "THRESHOLD_REACHED", "enabled": False, "emailTemplateId": email}
    saved = (await marketer.data(SET, {"input": off}))["setBuiltInNotification"]
    assert (saved["notification"]["enabled"], saved["notification"]["textTemplateId"]) == (
        False,
        None,
    )
    # And the expiry reminder takes its days
    expiring = {"kind": "POINTS_EXPIRING", "enabled": True, "textTemplateId": mms,
                "daysBefore": 14}  # fmt: skip
    saved = (await marketer.data(SET, {"input": expiring}))["setBuiltInNotification"]
    assert saved["notification"]["daysBefore"] == 14


async def test_each_mistake_is_a_user_error_on_its_field_and_writes_nothing(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    email, sms = await template(gql, "EMAIL"), await template(gql, "SMS")
    earned = {"kind": "POINTS_EARNED", "enabled": True}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({**earned, "emailTemplateId": "999999"}, "emailTemplateId", "NOT_FOUND"),
        ({**earned, "emailTemplateId": "x1"}, "emailTemplateId", "INVALID"),
        ({**earned, "emailTemplateId": sms}, "emailTemplateId", "INVALID"),
        ({**earned, "textTemplateId": email}, "textTemplateId", "INVALID"),
        ({**earned, "textTemplateId": "999999"}, "textTemplateId", "NOT_FOUND"),
        (earned, "emailTemplateId", "REQUIRED"),
        ({**earned, "emailTemplateId": email, "thresholds": [100]}, "thresholds", "INVALID"),
        ({**earned, "emailTemplateId": email, "daysBefore": 3}, "daysBefore", "INVALID"),
    ]
    threshold = {"kind": "THRESHOLD_REACHED", "enabled": True, "emailTemplateId": email}
    cases += [
        (threshold, "thresholds", "REQUIRED"),
        ({**threshold, "thresholds": [0]}, "thresholds.0", "OUT_OF_RANGE"),
        ({**threshold, "thresholds": [-5]}, "thresholds.0", "OUT_OF_RANGE"),
        ({**threshold, "thresholds": [100, 100]}, "thresholds.1", "DUPLICATE"),
        ({**threshold, "thresholds": list(range(1, 22))}, "thresholds", "OUT_OF_RANGE"),
        ({**threshold, "thresholds": [1_000_000_001]}, "thresholds.0", "OUT_OF_RANGE"),
    ]
    expiring = {"kind": "POINTS_EXPIRING", "enabled": True, "emailTemplateId": email}
    cases += [
        ({**expiring, "daysBefore": 0}, "daysBefore", "OUT_OF_RANGE"),
        ({**expiring, "daysBefore": 366}, "daysBefore", "OUT_OF_RANGE"),
    ]
    for wanted, field, code in cases:
        await assert_refused(gql, engine, SET, wanted, field, code)
    # And a right setting passes, the boundaries included
    for days in (1, 365):
        right = {**expiring, "daysBefore": days}
        saved = (await gql.data(SET, {"input": right}))["setBuiltInNotification"]
        assert saved["userErrors"] == [], saved


async def test_only_roles_that_manage_notifications_may_read_or_set_them(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    email = await template(gql, "EMAIL")
    wanted = {"kind": "POINTS_EARNED", "enabled": True, "emailTemplateId": email}
    before = await counts(engine)
    for role in ("cashier", "viewer"):
        caller = gql.as_(tokens[role])
        assert error_codes(await caller.post(LIST)) == ["FORBIDDEN"], role
        assert error_codes(await caller.post(SET, {"input": wanted})) == ["FORBIDDEN"], role
    assert await counts(engine) == before
    for role in ("marketer", "manager", "admin"):
        caller = gql.as_(tokens[role])
        saved = (await caller.data(SET, {"input": wanted}))["setBuiltInNotification"]
        assert saved["userErrors"] == [], role
        assert len((await caller.data(LIST))["builtInNotifications"]) == 6
