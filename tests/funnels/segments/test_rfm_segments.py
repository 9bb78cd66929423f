"""Segment filters on RFM scores: given the RFM job has scored customers, when a filter
compares rfmRecency, rfmFrequency or rfmMonetary, then it selects the customers with those
scores, and a customer without scores counts as 0 (so `not` is the complement)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.rfm import compute_rfm
from domain.errors import Problems
from domain.uow import UnitOfWork
from funnels.definitions.parsing import parse_definition
from funnels.segments import check_filter, save_segment
from tests.funnels.segments.people import matching, person, purchase

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def test_rfm_scores_filter_segments(clean_db: AsyncEngine) -> None:
    # Given five buyers: the k-th bought k times, the last (6 - k) * 10 days ago, k00.00 each;
    # and Zed, who never bought
    buyers = [await person(clean_db) for _ in range(5)]
    zed = await person(clean_db)
    for k, customer in enumerate(buyers, start=1):
        for n in range(k):
            await purchase(clean_db, customer, NOW - (6 - k) * 10 * DAY - n * DAY, k * 10_000)
    # When the RFM job scores them (1 to 5 each: the k-th buyer gets k on every score)
    await compute_rfm(UnitOfWork(clean_db), "seg", "test", NOW)

    # Then each score filters as its number says
    b1, b2, b3, b4, b5 = buyers
    assert await matching(clean_db, {"rfmRecency": {"gte": 4}}, NOW) == {b4, b5}
    assert await matching(clean_db, {"rfmFrequency": {"eq": 1}}, NOW) == {b1}
    assert await matching(clean_db, {"rfmMonetary": {"lte": 2}}, NOW) == {b1, b2, zed}
    assert await matching(clean_db, {"rfmMonetary": {"gte": 1, "lte": 2}}, NOW) == {b1, b2}
    assert await matching(clean_db, {"rfmRecency": {"eq": 0}}, NOW) == {zed}
    both = {"all": [{"rfmRecency": {"gte": 3}}, {"rfmFrequency": {"lt": 5}}]}
    assert await matching(clean_db, both, NOW) == {b3, b4}
    assert await matching(clean_db, {"not": {"rfmFrequency": {"gte": 2}}}, NOW) == {b1, zed}

    # And a saved segment of them is what a funnel, a gift or a price rule names
    champions = {"all": [{"rfmRecency": {"gte": 4}}, {"rfmMonetary": {"gte": 4}}]}
    await save_segment(UnitOfWork(clean_db), "champions", None, champions, "m")
    assert await matching(clean_db, {"segment": "champions"}, NOW) == {b4, b5}


def test_rfm_conditions_are_checked_like_comparisons() -> None:
    problems = Problems()
    assert check_filter(problems, {"rfmRecency": {"gte": "4"}}, "filter") is None
    assert [p.field for p in problems.items] == ["filter.rfmRecency.gte"]
    problems = Problems()
    assert check_filter(problems, {"rfmMonetary": {"over": 4}}, "filter") is None
    assert [p.field for p in problems.items] == ["filter.rfmMonetary.over"]


def test_a_funnel_enters_by_rfm_scores() -> None:
    welcome = {
        "name": "Win back",
        "entry": {"trigger": {"campaign": {}}, "filter": {"rfmRecency": {"lte": 2}}},
        "start": "wait",
        "steps": [{"id": "wait", "type": "wait", "duration": "P7D"}],
    }
    definition, problems = parse_definition(welcome, check_filter)
    assert problems == [] and definition is not None
    welcome["entry"]["filter"] = {"rfmRecency": {"lte": "two"}}  # type: ignore[index]
    _, problems = parse_definition(welcome, check_filter)
    assert [p.field for p in problems] == ["entry.filter.rfmRecency.lte"]
