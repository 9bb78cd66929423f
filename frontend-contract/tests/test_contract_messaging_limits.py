"""The marketing console's messaging limits, with its own operation files and a marketer
token: read (none yet), set with a mistake (refused on its field, nothing written), set
right, read back."""

from __future__ import annotations

from contract_support import run, run_mutation

from tests.support.api import GraphQLClient


async def test_a_marketer_sets_a_weekly_sms_cap_and_night_quiet_hours(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    # Given a program without limits
    read = (await run(marketer, "marketer/MessagingLimits"))["messagingLimits"]
    assert read["quietHours"] is None and [c["cap"] for c in read["channels"]] == [None, None]
    # When the marketer asks for quiet hours that end when they start
    limits = {
        "defaultTimeZone": "Europe/Rome",
        "quietHours": {"start": "21:00", "end": "21:00"},
        "channels": [{"channel": "SMS", "cap": {"maxMessages": 3, "period": 7, "unit": "DAYS"}}],
    }
    refused = (await run(marketer, "marketer/SetMessagingLimits", {"input": limits}))[
        "setMessagingLimits"
    ]
    # Then the end is named, and nothing is set
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("quietHours.end", "INVALID")
    ]
    assert (await run(marketer, "marketer/MessagingLimits"))["messagingLimits"]["channels"][1][
        "cap"
    ] is None
    # When they are fixed to 21:00-09:00
    limits["quietHours"] = {"start": "21:00", "end": "09:00"}
    saved = await run_mutation(marketer, "marketer/SetMessagingLimits", {"input": limits})
    # Then both channels keep the night, and SMS has its cap of 3 a week
    read = (await run(marketer, "marketer/MessagingLimits"))["messagingLimits"]
    assert read == saved["messagingLimits"]
    assert read["defaultTimeZone"] == "Europe/Rome"
    assert [(c["channel"], c["effectiveQuietHours"]) for c in read["channels"]] == [
        ("EMAIL", {"start": "21:00", "end": "09:00"}),
        ("SMS", {"start": "21:00", "end": "09:00"}),
    ]
    assert read["channels"][1]["cap"] == {"maxMessages": 3, "period": 7, "unit": "DAYS"}
