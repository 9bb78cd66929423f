"""The funnel builder's flow, with its own operation files and a marketer token: a
definition validated with a mistake, saved as a draft, activated, edited into a new
version that moves the customers inside, paused, resumed and archived."""

from __future__ import annotations

from typing import Any

from contract_support import run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.funnels.definitions.support import seed_references
from tests.support.api import GraphQLClient


def welcome(batch: str) -> dict[str, Any]:
    return {
        "name": "Welcome series",
        "entry": {"trigger": {"event": "CUSTOMER_REGISTERED"}},
        "start": "wait_1_day",
        "steps": [
            {"id": "wait_1_day", "type": "wait", "duration": "P1D", "next": "points"},
            {"id": "points", "type": "addPoints", "points": 100, "next": "email"},
            {"id": "email", "type": "sendEmail", "template": "welcome", "next": "voucher"},
            {"id": "voucher", "type": "issueVoucher", "voucherBatch": batch, "next": "sms"},
            {"id": "sms", "type": "sendSms", "template": "voucher sms"},
        ],
    }


async def test_a_marketer_builds_and_runs_a_funnel(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    marketer = gql.as_(tokens["marketer"])
    batch = (await seed_references(clean_db))["batch"]
    definition = welcome(batch)
    # Given a definition with negative points, validation names the step's field
    wrong: Any = welcome(batch)
    wrong["steps"][1]["points"] = -100
    checked = (await run(marketer, "marketer/ValidateFunnel", {"definition": wrong}))[
        "validateFunnel"
    ]
    assert [(e["field"], e["code"]) for e in checked["userErrors"]] == [
        ("steps[1].points", "INVALID")
    ]
    # When it is saved right, it is a draft at version 1
    save = {"definition": definition, "idempotencyKey": "welcome-1"}
    saved = await run_mutation(marketer, "marketer/SaveFunnel", {"input": save})
    fid = saved["funnel"]["id"]
    assert (saved["funnel"]["status"], saved["version"]["version"]) == ("DRAFT", 1)
    activated = await run_mutation(marketer, "marketer/ActivateFunnel", {"id": fid})
    assert activated["funnel"]["status"] == "ACTIVE"
    # When the active funnel is edited, the customers inside are moved onto version 2
    edited: Any = welcome(batch)
    edited["steps"][1]["points"] = 200
    migration = {s["id"]: s["id"] for s in definition["steps"]}
    save = {"id": fid, "definition": edited, "migration": migration, "idempotencyKey": "w-2"}
    saved = await run_mutation(marketer, "marketer/SaveFunnel", {"input": save})
    assert (saved["version"]["version"], saved["version"]["migration"]) == (2, migration)
    # Then both versions are listed and the first can be loaded as it was
    loaded = (await run(marketer, "marketer/FunnelVersion", {"id": fid, "version": 1}))["funnel"]
    assert [v["version"] for v in loaded["versions"]] == [2, 1]
    assert loaded["version"]["definition"]["steps"][1]["points"] == 100
    listed = await run(marketer, "marketer/Funnels", {"status": "ACTIVE"})
    assert [n["id"] for n in listed["funnels"]["nodes"]] == [fid]
    # And pausing, resuming and archiving move its status; a move from ARCHIVED is refused
    for name, status in (("Pause", "PAUSED"), ("Resume", "ACTIVE"), ("Archive", "ARCHIVED")):
        moved = await run_mutation(marketer, f"marketer/{name}Funnel", {"id": fid})
        assert moved["funnel"]["status"] == status
    refused = (await run(marketer, "marketer/ResumeFunnel", {"id": fid}))["resumeFunnel"]
    assert [e["field"] for e in refused["userErrors"]] == ["id"]
