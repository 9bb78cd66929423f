"""Segments over the API: only callers who manage funnels may preview, read, save or
delete them; refusals of a save carry the JSON path; a cycle is a user error; a preview
finds customers by the locale tag they registered with."""

from __future__ import annotations

import pytest

from tests.schema.test_customers_api import new_customer
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


PREVIEW_CUSTOMERS = """query($f: JSON!, $first: Int) { segmentPreview(filter: $f, first: $first) {
  count customers { id } userErrors { field code } } }"""


async def test_segment_preview_with_a_huge_number_is_a_user_error(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    """Rule: segmentPreview answers a bad filter with userErrors whose field is the JSON
    path (docs/segments.md, Previews and cost classes); never INTERNAL_SERVER_ERROR for a
    caller's input (DESIGN.md section 4), even for a whole number no float can hold.

    Given a number attribute compared with a whole number of 400 digits, when a marketer
    previews it, then the answer is a user error at that number's path."""
    marketer = gql.as_(tokens["marketer"])
    f = {"any": [{"attribute": {"key": "visits", "type": "number", "in": [1, 10**400]}}]}
    body = await marketer.post(PREVIEW_CUSTOMERS, {"f": f, "first": 10})
    assert "INTERNAL_SERVER_ERROR" not in error_codes(body), body
    errors = body["data"]["segmentPreview"]["userErrors"]
    assert [e["field"] for e in errors] == ["filter.any[0].attribute.in[1]"]


async def test_locale_condition_matches_the_tag_the_customer_was_registered_with(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    """Rule: `{"locale": {"in": [...]}}` matches when "the customer's locale is one of the
    tags ... (case does not matter)" (docs/segments.md, `locale`); the customer's locale is
    accepted as any BCP 47 tag CLDR knows and stored in its canonical form (docs/api.md,
    Reaching customers: `zh-hant-tw` -> `zh-Hant-TW`), and a full tag in the filter is put
    in that same canonical form before it is compared.

    Given Mei registered with locale `zh-TW` (stored as its canonical `zh-Hant-TW`) and Sasa
    with `sr-RS` (stored `sr-Cyrl-RS`), when a marketer previews the very tags they were
    registered with, in any case, or the canonical ones, then each is found."""
    mei = await new_customer(gql, externalRef="mei", locale="zh-TW")
    sasa = await new_customer(gql, externalRef="sasa", locale="sr-RS")
    marketer = gql.as_(tokens["marketer"])
    for tag, who in (
        ("zh-TW", mei),
        ("zh-tw", mei),
        ("zh-Hant-TW", mei),
        ("sr-RS", sasa),
        ("SR-CYRL-RS", sasa),
    ):
        found = (
            await marketer.data(PREVIEW_CUSTOMERS, {"f": {"locale": {"in": [tag]}}, "first": 10})
        )["segmentPreview"]
        assert found["userErrors"] == []
        assert [c["id"] for c in found["customers"]] == [who["id"]], (tag, found)
        assert found["count"] == 1
