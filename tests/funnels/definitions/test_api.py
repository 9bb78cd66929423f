"""Given the API served with a segment-filter checker (the test double standing for
funnels.segments), when staff call the funnel fields, then marketers and admins define
funnels, other roles are refused, and every problem comes back on its path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.funnels.definitions.support import check_filter, seed_references, welcome
from tests.support.api import GraphQLClient, error_codes, running_server_checking_filters

SAVE = """
mutation ($input: SaveFunnelInput!) {
  saveFunnel(input: $input) {
    funnel { id status currentVersion }
    version { version definition }
    changed replayed
    userErrors { field code message }
  }
}"""
VALIDATE = """
query ($definition: JSON!) {
  validateFunnel(definition: $definition) { definition userErrors { field code } }
}"""
LIST = "{ funnels { nodes { id name } } }"
ACTIVATE = """
mutation ($id: ID!) {
  activateFunnel(id: $id) { funnel { status } userErrors { field code } }
}"""


@pytest.fixture(scope="module")
async def filtered_url(database_url: str) -> AsyncIterator[str]:
    async with running_server_checking_filters(database_url, check_filter) as url:
        yield url


@pytest.fixture
async def api(
    filtered_url: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=filtered_url, timeout=30) as http:
        yield GraphQLClient(http, tokens["marketer"])


async def save(api: GraphQLClient, definition: Any, key: str, **more: Any) -> dict[str, Any]:
    data = await api.data(
        SAVE, {"input": {"definition": definition, "idempotencyKey": key, **more}}
    )
    payload: dict[str, Any] = data["saveFunnel"]
    return payload


async def test_only_funnel_managers_may_read_or_define(
    api: GraphQLClient, tokens: dict[str, str]
) -> None:
    for role in ("cashier", "viewer", "manager"):
        other = api.as_(tokens[role])
        assert error_codes(await other.post(LIST)) == ["FORBIDDEN"]
        body = await other.post(SAVE, {"input": {"definition": welcome(), "idempotencyKey": "k"}})
        assert error_codes(body) == ["FORBIDDEN"]
        assert error_codes(await other.post(VALIDATE, {"definition": welcome()})) == ["FORBIDDEN"]
    assert error_codes(await api.as_(None).post(LIST)) == ["UNAUTHENTICATED"]
    for role in ("marketer", "admin"):
        assert (await api.as_(tokens[role]).data(LIST))["funnels"]["nodes"] == []


async def test_problems_come_back_on_their_paths(api: GraphQLClient, clean_db: AsyncEngine) -> None:
    batch = (await seed_references(clean_db))["batch"]
    raw = welcome()
    raw["steps"][5]["voucherBatch"] = batch
    raw["steps"][4]["filter"] = {"shoeSize": 42}
    raw["steps"][1]["points"] = -1
    raw["steps"][2]["template"] = "missing"
    found = (await api.data(VALIDATE, {"definition": raw}))["validateFunnel"]
    assert found["definition"] is None
    assert {(e["field"], e["code"]) for e in found["userErrors"]} == {
        ("steps[4].filter.shoeSize", "INVALID"),
        ("steps[1].points", "INVALID"),
    }
    raw["steps"][4]["filter"] = {"hasPurchased": True}
    raw["steps"][1]["points"] = 1
    refused = await save(api, raw, "k1")
    assert refused["funnel"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("steps[2].template", "NOT_FOUND")
    ]
    # A definition that is not even an object is answered the same way
    refused = await save(api, ["not", "a", "definition"], "k2")
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID"]
    assert (await api.data(LIST))["funnels"]["nodes"] == []


async def test_save_replay_and_activate(api: GraphQLClient, clean_db: AsyncEngine) -> None:
    batch = (await seed_references(clean_db))["batch"]
    raw = welcome()
    raw["steps"][5]["voucherBatch"] = batch
    first = await save(api, raw, "create")
    again = await save(api, raw, "create")
    assert first["userErrors"] == [] and again["replayed"]
    assert first["funnel"]["id"] == again["funnel"]["id"]
    assert first["version"]["definition"]["steps"][4]["filter"] == {"hasPurchased": True}
    fid = first["funnel"]["id"]
    same = await save(api, raw, "same", id=fid)
    assert (same["changed"], same["funnel"]["currentVersion"]) == (False, 1)
    activated = (await api.data(ACTIVATE, {"id": fid}))["activateFunnel"]
    assert activated["funnel"]["status"] == "ACTIVE"
    missing = (await api.data(ACTIVATE, {"id": "999"}))["activateFunnel"]
    assert missing["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]


async def test_versions_are_read_one_by_one(api: GraphQLClient, clean_db: AsyncEngine) -> None:
    batch = (await seed_references(clean_db))["batch"]
    raw = welcome()
    raw["steps"][5]["voucherBatch"] = batch
    fid = (await save(api, raw, "v1"))["funnel"]["id"]
    await save(api, {**raw, "description": "second"}, "v2", id=fid)
    read = """
    query ($id: ID!, $n: Int) {
      funnel(id: $id) { currentVersion versions { version } version(n: $n) { version definition } }
    }"""
    found = (await api.data(read, {"id": fid, "n": 1}))["funnel"]
    assert [v["version"] for v in found["versions"]] == [2, 1]
    assert found["version"]["definition"]["description"] == raw["description"]
    current = (await api.data(read, {"id": fid}))["funnel"]["version"]
    assert (current["version"], current["definition"]["description"]) == (2, "second")
    assert (await api.data(read, {"id": fid, "n": 3}))["funnel"]["version"] is None
    assert error_codes(await api.post(read, {"id": fid, "n": 0})) == ["BAD_USER_INPUT"]
    assert (await api.data(read, {"id": "12345", "n": 1}))["funnel"] is None
