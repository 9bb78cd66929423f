"""The funnel builder's segment flows, with its own operation files and a marketer token: a
filter with a mistake answered at its JSON path, previewed once fixed, saved, reused by
name in another filter, listed, and deleted."""

from __future__ import annotations

from contract_support import run, run_mutation

from tests.support.api import GraphQLClient
from tests.support.loyalty import customer_with


async def test_a_marketer_previews_saves_reuses_and_deletes_a_segment(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    # Given three customers with 100, 600 and 900 points
    ids = [await customer_with(gql, points) for points in (100, 600, 900)]
    # When the marketer previews a filter with a mistake
    bad = {"all": [{"balance": {"gte": "500"}}, {"birthday": {"inDays": 400}}]}
    refused = (await run(marketer, "marketer/SegmentPreview", {"filter": bad}))["segmentPreview"]
    # Then each mistake is named by its JSON path, and nothing is counted
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("filter.all[0].balance.gte", "INVALID"),
        ("filter.all[1].birthday.inDays", "OUT_OF_RANGE"),
    ]
    assert refused["count"] is None
    # When it is fixed and previewed with a sample of one
    rich = {"balance": {"gte": 500}}
    shown = (await run(marketer, "marketer/SegmentPreview", {"filter": rich, "first": 1}))[
        "segmentPreview"
    ]
    assert (shown["count"], shown["costClass"], shown["userErrors"]) == (2, "LOW", [])
    assert [c["id"] for c in shown["customers"]] == [ids[1]]
    # And saved, then reused by name in another filter
    saved = await run_mutation(
        marketer, "marketer/SaveSegment", {"input": {"name": "rich", "filter": rich}}
    )
    assert saved["created"] and saved["segment"]["filter"] == rich
    reuse = {"all": [{"segment": "rich"}, {"not": {"balance": {"gt": 600}}}]}
    again = (await run(marketer, "marketer/SegmentPreview", {"filter": reuse}))["segmentPreview"]
    assert [c["id"] for c in again["customers"]] == [ids[1]]
    # Then it is listed and read by name
    listed = (await run(marketer, "marketer/Segments"))["segments"]["nodes"]
    assert [s["name"] for s in listed] == ["rich"]
    assert listed[0]["updatedBy"].endswith(":marketer")
    one = (await run(marketer, "marketer/Segment", {"name": "rich"}))["segment"]
    assert one["filter"] == rich
    # And deleted, once
    gone = await run_mutation(marketer, "marketer/DeleteSegment", {"input": {"name": "rich"}})
    assert gone["deleted"] is True
    assert (await run(marketer, "marketer/Segment", {"name": "rich"}))["segment"] is None
