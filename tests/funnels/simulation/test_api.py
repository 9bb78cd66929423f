"""Given the API, when staff and customers call simulateFunnel, then only funnel managers
(marketer, admin) may dry-run, a customer's token and other roles are refused, a saved
funnel and a definition are both answered per step, and every bad input comes back typed
(a user error on its field, or BAD_USER_INPUT for a time outside the calendar), never as
an internal error."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.funnels.engine.support import active_funnel
from tests.funnels.simulation.support import campaign, seed_messaging
from tests.support.api import GraphQLClient, customer_token, error_codes
from tests.support.builtins import customer

SIMULATE = """
query ($funnelId: ID, $version: Int, $definition: JSON, $asOf: DateTime, $timeTravel: Boolean!) {
  simulateFunnel(funnelId: $funnelId, version: $version, definition: $definition,
                 asOf: $asOf, timeTravel: $timeTravel) {
    simulation {
      funnelId version name asOf timeTravel horizon audienceBasis audience entered notEntered
      currency
      steps {
        stepId type reached exited completed failed failures { reason count }
        stopped stops { reason count } earliestAt latestAt
        paths { kind nextStepId splitPath holdout count }
        points { added removed notRemoved liabilityMinor }
        messages { channel wouldSend noAddress renderFailed noConsent capped deferredQuietHours }
        vouchers { wouldIssue short }
      }
      totals {
        completed exited failed stopped
        points { added liabilityMinor }
        messages { channel wouldSend }
        vouchers { wouldIssue short }
      }
    }
    userErrors { field code message }
  }
}"""

DEFINITION = campaign("points", [
    {"id": "points", "type": "addPoints", "points": 150, "next": "wait"},
    {"id": "wait", "type": "wait", "duration": "P2D", "next": "sms"},
    {"id": "sms", "type": "sendSms", "template": "hello sms"},
])  # fmt: skip


def ask(**given: Any) -> dict[str, Any]:
    return {"timeTravel": False, **given}


async def simulated(api: GraphQLClient, **given: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.data(SIMULATE, ask(**given)))["simulateFunnel"]
    return payload


async def test_only_funnel_managers_may_dry_run(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    await seed_messaging(clean_db)
    await customer(clean_db, "ann")
    for role in ("cashier", "viewer", "manager"):
        body = await gql.as_(tokens[role]).post(SIMULATE, ask(definition=DEFINITION))
        assert error_codes(body) == ["FORBIDDEN"]
    refused = await gql.post(SIMULATE, ask(definition=DEFINITION), token=customer_token("ann"))
    assert error_codes(refused) == ["FORBIDDEN"]
    assert error_codes(await gql.as_(None).post(SIMULATE, ask(definition=DEFINITION))) == [
        "UNAUTHENTICATED"
    ]
    for role in ("marketer", "admin"):
        answer = await simulated(gql.as_(tokens[role]), definition=DEFINITION)
        assert answer["simulation"]["entered"] == 1


async def test_a_saved_funnel_and_a_definition_are_answered_per_step(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    await seed_messaging(clean_db)
    await customer(clean_db, "ann", phone="+393331111111", consent_sms=True)
    await customer(clean_db, "bob")
    funnel = await active_funnel(clean_db, DEFINITION, "dry")
    marketer = gql.as_(tokens["marketer"])

    saved = (await simulated(marketer, funnelId=str(funnel), timeTravel=True))["simulation"]
    unsaved = (await simulated(marketer, definition=DEFINITION, asOf="2026-12-07T08:00:00Z"))[
        "simulation"
    ]

    assert (saved["funnelId"], saved["version"], saved["audienceBasis"]) == (
        str(funnel), 1, "SEGMENT")  # fmt: skip
    assert (unsaved["funnelId"], unsaved["asOf"]) == (None, "2026-12-07T08:00:00+00:00")
    for run in (saved, unsaved):
        points, wait, sms = run["steps"]
        assert (run["entered"], run["currency"], run["totals"]["completed"]) == (2, "EUR", 2)
        assert points["points"] == {"added": 300, "removed": 0, "notRemoved": 0,
                                    "liabilityMinor": 300}  # fmt: skip
        assert wait["paths"] == [
            {"kind": "NEXT", "nextStepId": "sms", "splitPath": None, "holdout": False, "count": 2}
        ]
        assert (sms["messages"]["wouldSend"], sms["messages"]["noAddress"]) == (1, 1)
    assert saved["horizon"] is not None and unsaved["horizon"] is None
    assert saved["steps"][2]["earliestAt"] > saved["steps"][0]["earliestAt"]


async def test_bad_input_is_typed_never_an_internal_error(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    await seed_messaging(clean_db)
    await customer(clean_db, "ann")
    marketer = gql.as_(tokens["marketer"])
    wrong = campaign("points", [{"id": "points", "type": "addPoints", "points": 0}])
    cases: list[tuple[dict[str, Any], list[tuple[str | None, str]]]] = [
        ({}, [("funnelId", "REQUIRED")]),
        ({"funnelId": "1", "definition": DEFINITION}, [("funnelId", "INVALID")]),
        ({"funnelId": "12345"}, [("funnelId", "NOT_FOUND")]),
        ({"funnelId": "abc"}, [("funnelId", "INVALID")]),
        ({"definition": wrong}, [("steps[0].points", "INVALID")]),
        ({"definition": [1, 2]}, [(None, "INVALID")]),
        ({"definition": DEFINITION, "asOf": "2026-12-07T08:00:00"}, [("asOf", "INVALID")]),
        ({"definition": DEFINITION, "asOf": "9998-12-31T23:59:59Z"}, [("asOf", "OUT_OF_RANGE")]),
    ]  # fmt: skip
    for given, expected in cases:
        errors = (await simulated(marketer, **given))["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == expected, given
    # Times outside the calendar the API takes are refused before the resolver runs
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z", "not a time"):
        body = await marketer.post(SIMULATE, ask(definition=DEFINITION, asOf=moment))
        assert error_codes(body) == ["BAD_USER_INPUT"], moment
    # At the edges of the range, an answer
    for moment in ("1900-01-01T00:00:00Z", "9995-01-01T23:59:59Z"):
        answer = await simulated(marketer, definition=DEFINITION, asOf=moment, timeTravel=True)
        assert answer["simulation"]["entered"] == 1, moment
