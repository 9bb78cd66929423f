"""Given the worked example of docs/funnels-simulation.md (a campaign for lapsed customers,
the query a console sends, an abridged answer), when the campaign is saved and the query
run through the API on a small program, then the query is valid, the answer has every
field the abridged one shows, its steps are the campaign's, and the figures add up."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from graphql import parse
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.funnel_files import load_file
from tests.funnels.engine.support import active_funnel
from tests.funnels.simulation.support import seed_messaging
from tests.support.api import GraphQLClient
from tests.support.builtins import customer

PAGE = Path(__file__).resolve().parents[3] / "docs" / "funnels-simulation.md"


def block(kind: str, starts: str = "") -> str:
    """The page's one code block of that kind starting with `starts`."""
    found = [b for b in re.findall(rf"(?ms)^```{kind}\n(.*?)^```", PAGE.read_text())
             if b.startswith(starts)]  # fmt: skip
    assert len(found) == 1, kind
    return str(found[0])


def shape(value: Any) -> Any:
    """The keys of a JSON value, nested (a list's items merged), without the values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        merged: dict[str, Any] = {}
        for item in value:
            merged.update(shape(item) or {})
        return merged
    return None


def selected(selection_set: Any) -> Any:
    """The fields a query selects, nested, as `shape` writes an answer's keys."""
    if selection_set is None:
        return None
    return {f.name.value: selected(f.selection_set) for f in selection_set.selections}


def covers(whole: Any, part: Any) -> bool:
    if part is None:
        return True
    return isinstance(whole, dict) and all(k in whole and covers(whole[k], v)
                                           for k, v in part.items())  # fmt: skip


async def test_the_worked_example_runs_as_documented(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine, tmp_path: Path
) -> None:
    refs = await seed_messaging(clean_db)
    path = tmp_path / "come-back.yaml"
    path.write_text(block("yaml"))
    raw = load_file(path)
    assert isinstance(raw, dict)
    raw["steps"][5]["voucherBatch"] = refs["batch"]
    raw["steps"][2]["template"] = "hello sms"
    for i in range(3):
        await customer(clean_db, f"c{i}", phone=f"+39333123450{i}", consent_sms=i > 0)
    funnel = await active_funnel(clean_db, raw, "come back")
    query = block("graphql", "query").replace('funnelId: "12"', f'funnelId: "{funnel}"')

    answer = (await gql.as_(tokens["marketer"]).data(query))["simulateFunnel"]

    assert answer["userErrors"] == []
    simulation = answer["simulation"]
    documented = json.loads(block("json"))
    (operation,) = parse(query).definitions
    asked = selected(operation.selection_set)["simulateFunnel"]["simulation"]  # type: ignore[attr-defined]
    assert covers(asked, shape(documented))
    assert {s["stepId"] for s in documented["steps"]} <= {s["stepId"] for s in simulation["steps"]}
    totals = simulation["totals"]
    assert simulation["entered"] == 3 == sum(totals[k] for k in ("completed", "exited", "failed",
                                                                  "stopped"))  # fmt: skip
    documented_totals = documented["totals"]
    assert documented["entered"] == sum(documented_totals.values())
