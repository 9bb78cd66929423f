"""The funnel builder's dry run, with its own operation file and a marketer token: the
definition on screen simulated before it is saved (a mistake answered on its path), then
the saved funnel simulated with time travel, each step's figures and edges ready to draw,
and nothing written."""

from __future__ import annotations

from typing import Any

from contract_support import run, run_mutation
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.funnels.simulation.support import seed_messaging
from tests.support.api import GraphQLClient
from tests.support.builtins import customer, purchase


def definition(batch: str) -> dict[str, Any]:
    return {
        "name": "Winter campaign",
        "entry": {"trigger": {"campaign": {}}},
        "start": "rich",
        "steps": [
            {"id": "rich", "type": "branch", "filter": {"balance": {"gte": 300}},
             "yes": "voucher", "no": "points"},
            {"id": "points", "type": "addPoints", "points": 50, "next": "wait"},
            {"id": "voucher", "type": "issueVoucher", "voucherBatch": batch, "next": "wait"},
            {"id": "wait", "type": "wait", "untilTimeOfDay": "10:00", "next": "sms"},
            {"id": "sms", "type": "sendSms", "template": "hello sms"},
        ],
    }  # fmt: skip


async def test_a_marketer_dry_runs_a_funnel_before_and_after_saving_it(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    batch = (await seed_messaging(clean_db))["batch"]
    for i in range(4):
        cid = await customer(clean_db, f"c{i}", phone=f"+39333123450{i}", consent_sms=i != 0)
        await purchase(clean_db, cid, f"o{i}", 20_000 * i)  # 0, 200, 400, 600 points
    marketer = gql.as_(tokens["marketer"])
    wrong: Any = definition(batch)
    wrong["steps"][1]["points"] = -50
    refused = (await run(marketer, "marketer/SimulateFunnel", {"definition": wrong}))[
        "simulateFunnel"
    ]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("steps[1].points", "INVALID")
    ]
    assert refused["simulation"] is None

    on_screen = await run_mutation(
        marketer, "marketer/SimulateFunnel", {"definition": definition(batch)}
    )
    save = {"input": {"definition": definition(batch), "idempotencyKey": "winter"}}
    saved = await run_mutation(marketer, "marketer/SaveFunnel", save)
    travelled = await run_mutation(
        marketer,
        "marketer/SimulateFunnel",
        {"funnelId": saved["funnel"]["id"], "timeTravel": True, "asOf": "2026-12-07T08:00:00Z"},
    )

    for answer in (on_screen["simulation"], travelled["simulation"]):
        steps = {s["stepId"]: s for s in answer["steps"]}
        assert (answer["audienceBasis"], answer["entered"]) == ("SEGMENT", 4)
        assert [(p["kind"], p["count"]) for p in steps["rich"]["paths"]] == [("YES", 2), ("NO", 2)]
        assert steps["points"]["points"]["added"] == 100
        assert steps["voucher"]["vouchers"] == {"wouldIssue": 2, "short": 0}
        sms = steps["sms"]["messages"]
        assert (sms["channel"], sms["wouldSend"], sms["noConsent"]) == ("SMS", 3, 1)
        assert answer["totals"]["completed"] == 4
    # With time travel, the SMS waits for 10:00 (UTC: the customers have no time zone)
    sms_step = travelled["simulation"]["steps"][-1]
    assert sms_step["earliestAt"] == sms_step["latestAt"] == "2026-12-07T10:00:00+00:00"
    async with clean_db.connect() as conn:
        written = await conn.execute(text(
            "SELECT (SELECT count(*) FROM funnel_enrollments), (SELECT count(*) FROM messages),"
            " (SELECT count(*) FROM vouchers WHERE customer_id IS NOT NULL)"))  # fmt: skip
        assert tuple(written.one()) == (0, 0, 0)
