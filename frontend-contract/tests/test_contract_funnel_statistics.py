"""A marketer's campaign, run by the engine, read back with the funnel builder's statistics
operation: who entered and where each step left them, the points a step gave, the messages
it made, and a goal's conversions per split path."""

from __future__ import annotations

from typing import Any

from contract_support import run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from funnels.engine.running import one_pass
from funnels.engine.versions import VersionCache
from tessera.funnel_engine import audience
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import RUNTIME, Clock
from tests.support.api import GraphQLClient
from tests.support.builtins import customer

CAMPAIGN: dict[str, Any] = {
    "name": "Autumn campaign",
    "entry": {"trigger": {"campaign": {}}, "filter": {"consent": {"email": True}}},
    "start": "split",
    "steps": [
        {"id": "split", "type": "randomSplit", "paths": [
            {"percent": 90, "next": "goal"}, {"percent": 10, "holdout": True}]},
        {"id": "goal", "type": "goal", "name": "buy", "withinDays": 14, "next": "points"},
        {"id": "points", "type": "addPoints", "points": 25, "next": "email"},
        {"id": "email", "type": "sendEmail", "template": "welcome"},
    ],
}  # fmt: skip


async def test_a_marketer_reads_what_a_campaign_did(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    await seed_references(clean_db)
    ids = [await customer(clean_db, f"c{i}") for i in range(5)]
    marketer = gql.as_(tokens["marketer"])
    saved = await run_mutation(
        marketer, "marketer/SaveFunnel", {"input": {"definition": CAMPAIGN, "idempotencyKey": "c"}}
    )
    fid = saved["funnel"]["id"]
    await run_mutation(marketer, "marketer/ActivateFunnel", {"id": fid})

    sent: list[int] = []
    await one_pass(clean_db, VersionCache(CHECK_FILTER), RUNTIME, audience, sent.extend, Clock())
    stats = (await run(marketer, "marketer/FunnelStatistics", {"id": fid}))["funnelStatistics"]

    assert (stats["entered"], stats["completed"], stats["active"]) == (len(ids), len(ids), 0)
    steps = {s["stepId"]: s for s in stats["steps"]}
    treated = steps["points"]["runs"]
    assert steps["split"]["runs"] == len(ids)
    assert steps["points"]["pointsAdded"] == 25 * treated
    assert steps["email"]["messages"] == ([{"name": "QUEUED", "count": treated}] if treated else [])
    assert len(sent) == treated
    (goal,) = stats["goals"]
    assert (goal["goal"], goal["reached"], goal["converted"]) == ("buy", treated, 0)
    # A viewer reads reports too; a cashier does not.
    assert (await run(gql.as_(tokens["viewer"]), "marketer/FunnelStatistics", {"id": fid}))[
        "funnelStatistics"
    ]["entered"] == len(ids)
