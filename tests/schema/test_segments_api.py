"""Segments over the API: only callers who manage funnels may preview, read, save or
delete them; refusals of a save carry the JSON path; a cycle is a user error."""

from __future__ import annotations

import pytest

from tests.support.api import GraphQLClient, error_codes

PREVIEW = """query($f: JSON!) { segmentPreview(filter: $f) { count costClass
  userErrors { field code } } }"""
LIST = "{ segments(first: 5) { nodes { name } } }"
ONE = """query { segment(name: "x") { name } }"""
SAVE = """mutation($name: String!, $f: JSON!) { saveSegment(input: {name: $name, filter: $f}) {
  created segment { name } userErrors { field code message } } }"""
DELETE = """mutation($name: String!) { deleteSegment(input: {name: $name}) { deleted
  userErrors { field code message } } }"""


@pytest.mark.parametrize("role", ["viewer", "cashier", "manager"])
async def test_callers_without_manage_funnels_are_refused(
    gql: GraphQLClient, tokens: dict[str, str], role: str
) -> None:
    caller = gql.as_(tokens[role])
    for query, variables in (
        (PREVIEW, {"f": {"balance": {"gte": 1}}}),
        (LIST, None),
        (ONE, None),
        (SAVE, {"name": "x", "f": {"balance": {"gte": 1}}}),
        (DELETE, {"name": "x"}),
    ):
        body = await caller.post(query, variables)
        assert error_codes(body) == ["FORBIDDEN"], (query, body)
    # And an anonymous caller is asked to authenticate
    anonymous = await gql.as_(None).post(LIST)
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]


async def test_a_marketer_saves_with_errors_by_path_and_no_cycles(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    # A save with a wrong type deep in the filter names its path
    bad = {"any": [{"consent": {"sms": "yes"}}, {"segment": "missing"}]}
    refused = (await marketer.data(SAVE, {"name": "x", "f": bad}))["saveSegment"]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("filter.any[0].consent.sms", "INVALID")
    ]
    # A name that does not exist is found once the syntax is right
    bad["any"][0] = {"consent": {"sms": True}}
    refused = (await marketer.data(SAVE, {"name": "x", "f": bad}))["saveSegment"]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("filter.any[1].segment", "NOT_FOUND")
    ]
    # Two segments that would name each other: the second save is refused
    first = await marketer.data(SAVE, {"name": "a", "f": {"balance": {"gte": 1}}})
    assert first["saveSegment"]["created"] is True
    await marketer.data(SAVE, {"name": "b", "f": {"segment": "a"}})
    cycle = await marketer.data(SAVE, {"name": "a", "f": {"not": {"segment": "b"}}})
    errors = cycle["saveSegment"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("filter.not.segment", "SEGMENT_CYCLE")]
    # And "a" cannot be deleted while "b" names it
    used = (await marketer.data(DELETE, {"name": "a"}))["deleteSegment"]
    assert [e["code"] for e in used["userErrors"]] == ["SEGMENT_IN_USE"]
    # A funnel condition is previewed on the engine's tables: nobody is in "welcome" yet
    funnel = (await marketer.data(PREVIEW, {"f": {"inFunnel": "welcome"}}))["segmentPreview"]
    assert (funnel["userErrors"], funnel["count"]) == ([], 0)
    # And a filter nested past the bound is a user error, not a server error
    deep: dict[str, object] = {"balance": {"gte": 1}}
    for _ in range(20):
        deep = {"not": deep}
    nested = (await marketer.data(PREVIEW, {"f": deep}))["segmentPreview"]
    assert [e["code"] for e in nested["userErrors"]] == ["OUT_OF_RANGE"]
