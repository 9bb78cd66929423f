"""Messaging limits over HTTP, on real PostgreSQL: none until set; set whole by a marketer
(read back as set, the zone in IANA's spelling); each bad input a user error on its path
with nothing written; refused to roles without MANAGE_NOTIFICATIONS and to anonymous
callers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes

LIMITS = """defaultTimeZone quietHours { start end }
  channels { channel cap { maxMessages period unit } quietHours { start end }
    effectiveQuietHours { start end } }
  updatedBy"""
READ = f"{{ messagingLimits {{ {LIMITS} }} }}"
SET = f"""mutation($input: SetMessagingLimitsInput!) {{
  setMessagingLimits(input: $input) {{
    messagingLimits {{ {LIMITS} }} userErrors {{ field code message }} }} }}"""

NIGHT = {"start": "21:00", "end": "9:00"}
WEEK_OF_3 = {"maxMessages": 3, "period": 7, "unit": "DAYS"}
LIMITS_SET: dict[str, Any] = {
    "defaultTimeZone": "europe/rome",
    "quietHours": NIGHT,
    "channels": [
        {"channel": "SMS", "cap": WEEK_OF_3},
        {"channel": "EMAIL", "quietHours": {"start": "22:30", "end": "08:00"}},
    ],
}
NONE = {"defaultTimeZone": None, "quietHours": None, "updatedBy": None}


async def rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text("SELECT * FROM messaging_limits ORDER BY scope")))


async def test_given_no_limits_when_a_marketer_sets_them_then_they_read_back_as_set(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    # Given a program that never set any: none, on both channels
    read = (await marketer.data(READ))["messagingLimits"]
    assert {k: read[k] for k in NONE} == NONE
    assert read["channels"] == [
        {"channel": c, "cap": None, "quietHours": None, "effectiveQuietHours": None}
        for c in ("EMAIL", "SMS")
    ]
    # When a marketer sets 3 SMS a week, 21:00-09:00 for all, 22:30-08:00 for email
    payload = (await marketer.data(SET, {"input": LIMITS_SET}))["setMessagingLimits"]
    # Then they read back as set, in canonical spelling
    assert payload["userErrors"] == []
    expected = {
        "defaultTimeZone": "Europe/Rome",
        "quietHours": {"start": "21:00", "end": "09:00"},
        "channels": [
            {
                "channel": "EMAIL",
                "cap": None,
                "quietHours": {"start": "22:30", "end": "08:00"},
                "effectiveQuietHours": {"start": "22:30", "end": "08:00"},
            },
            {
                "channel": "SMS",
                "cap": WEEK_OF_3,
                "quietHours": None,
                "effectiveQuietHours": {"start": "21:00", "end": "09:00"},
            },
        ],
    }
    written = payload["messagingLimits"]
    assert written.pop("updatedBy").endswith(":marketer")
    assert written == expected
    read = (await marketer.data(READ))["messagingLimits"]
    read.pop("updatedBy")
    assert read == expected
    # And setting them again with less removes what was left out
    cleared = await marketer.data(SET, {"input": {"channels": [{"channel": "SMS"}]}})
    channels = cleared["setMessagingLimits"]["messagingLimits"]["channels"]
    assert [c["cap"] for c in channels] == [None, None]
    assert (await marketer.data(READ))["messagingLimits"]["quietHours"] is None


BAD = [
    ({"channels": [{"channel": "SMS", "cap": {**WEEK_OF_3, "maxMessages": 0}}]},
     "channels.0.cap.maxMessages", "OUT_OF_RANGE"),
    ({"channels": [{"channel": "SMS", "cap": {**WEEK_OF_3, "maxMessages": -3}}]},
     "channels.0.cap.maxMessages", "OUT_OF_RANGE"),
    ({"channels": [{"channel": "EMAIL", "cap": {**WEEK_OF_3, "period": 0}}]},
     "channels.0.cap.period", "OUT_OF_RANGE"),
    ({"channels": [{"channel": "EMAIL", "cap": {**WEEK_OF_3, "period": 367}}]},
     "channels.0.cap.period", "OUT_OF_RANGE"),
    ({"channels": [{"channel": "EMAIL", "cap": {**WEEK_OF_3, "period": 8785, "unit": "HOURS"}}]},
     "channels.0.cap.period", "OUT_OF_RANGE"),
    ({"quietHours": {"start": "21:00", "end": "21:00"}}, "quietHours.end", "INVALID"),
    ({"quietHours": {"start": "9:00", "end": "09:00"}}, "quietHours.end", "INVALID"),
    ({"quietHours": {"start": "25:00", "end": "09:00"}}, "quietHours.start", "INVALID"),
    ({"quietHours": {"start": "21:00", "end": "9am"}}, "quietHours.end", "INVALID"),
    ({"channels": [{"channel": "SMS", "quietHours": {"start": "21:60", "end": "09:00"}}]},
     "channels.0.quietHours.start", "INVALID"),
    ({"channels": [{"channel": "SMS"}, {"channel": "SMS"}]}, "channels.1.channel", "DUPLICATE"),
    ({"defaultTimeZone": "CEST"}, "defaultTimeZone", "INVALID"),
]  # fmt: skip


@pytest.mark.parametrize(("input", "field", "code"), BAD)
async def test_given_a_bad_limit_when_set_then_a_user_error_names_it_and_nothing_changes(
    gql: GraphQLClient, engine: AsyncEngine, input: dict[str, Any], field: str, code: str
) -> None:
    # Given limits already set
    await gql.data(SET, {"input": LIMITS_SET})
    before = await rows(engine)
    # When a bad one is sent
    payload = (await gql.data(SET, {"input": input}))["setMessagingLimits"]
    # Then it is refused on its field, and the limits are as they were
    assert payload["messagingLimits"] is None
    assert (field, code) in [(e["field"], e["code"]) for e in payload["userErrors"]], payload
    assert all(e["message"] for e in payload["userErrors"])
    assert await rows(engine) == before


async def test_every_problem_is_reported_at_once(gql: GraphQLClient) -> None:
    input = {
        "quietHours": {"start": "7", "end": "7"},
        "channels": [{"channel": "EMAIL", "cap": {"maxMessages": 0, "period": 0, "unit": "DAYS"}}],
    }
    payload = (await gql.data(SET, {"input": input}))["setMessagingLimits"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        ("quietHours.start", "INVALID"),
        ("quietHours.end", "INVALID"),
        ("channels.0.cap.maxMessages", "OUT_OF_RANGE"),
        ("channels.0.cap.period", "OUT_OF_RANGE"),
    ]


async def test_mms_is_not_a_channel_of_its_own(gql: GraphQLClient) -> None:
    body = await gql.post(SET, {"input": {"channels": [{"channel": "MMS"}]}})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_only_notification_managers_read_and_set_the_limits(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    # Given limits set by an admin
    await gql.data(SET, {"input": LIMITS_SET})
    before = await rows(engine)
    # Then a cashier and a viewer may neither read nor set them, nor may an anonymous caller
    for role in ("cashier", "viewer"):
        caller = gql.as_(tokens[role])
        assert error_codes(await caller.post(READ)) == ["FORBIDDEN"], role
        assert error_codes(await caller.post(SET, {"input": {}})) == ["FORBIDDEN"], role
    anonymous = gql.as_(None)
    assert error_codes(await anonymous.post(READ)) == ["UNAUTHENTICATED"]
    assert error_codes(await anonymous.post(SET, {"input": {}})) == ["UNAUTHENTICATED"]
    assert await rows(engine) == before
    # And a manager may
    manager = gql.as_(tokens["manager"])
    assert (await manager.data(READ))["messagingLimits"]["defaultTimeZone"] == "Europe/Rome"
    payload = (await manager.data(SET, {"input": {}}))["setMessagingLimits"]
    assert payload["userErrors"] == []
    assert payload["messagingLimits"]["updatedBy"].endswith(":manager")
