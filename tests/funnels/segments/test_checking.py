"""Checking a segment filter as a marketer writes it: a valid filter comes back as a tree,
every problem is reported at once with its JSON path, and no input at all makes the check
raise or recurse without bound."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ErrorCode, Problems
from funnels.segments import check_filter
from funnels.segments import model as m
from funnels.segments.checking import MAX_CONDITIONS, MAX_DEPTH


def problems_of(raw: object, path: str = "filter") -> list[tuple[str | None, ErrorCode]]:
    problems = Problems()
    assert check_filter(problems, raw, path) is None
    return [(p.field, p.code) for p in problems.items]


def checked(raw: object) -> m.SegmentFilter:
    problems = Problems()
    result = check_filter(problems, raw, "filter")
    assert problems.items == [] and result is not None, problems.items
    return result


def test_a_valid_filter_becomes_a_tree_with_paths() -> None:
    # Given a marketer's filter with every kind of leaf
    raw = {
        "all": [
            {"balance": {"gte": 500, "lt": 2000}},
            {"any": [{"badge": {"notHeld": "Silver"}}, {"category": {"in": ["Gold"]}}]},
            {"not": {"consent": {"sms": False}}},
            {"purchases": {"count": {"gte": 2}, "within": "P90D", "shops": ["milano"]}},
            {"spend": {"gte": 10000, "since": "2026-01-01"}},
            {"lastPurchase": {"before": "P90D"}},
            {"registered": {"after": "2025-06-01T00:00:00+02:00"}},
            {"birthday": {"withinDays": 7}},
            {"locale": {"in": ["it", "en-GB"]}},
            {"shop": {"in": ["roma"], "within": "P1Y"}},
            {"attribute": {"key": "visits", "type": "number", "gte": 3, "exists": True}},
            {"vouchers": {"held": True, "batch": 3}},
            {"segment": "lapsed-vip"},
            {"inFunnel": "welcome"},
            {"goalReached": {"funnel": "welcome", "goal": "first-order", "within": "P30D"}},
        ]
    }
    # When it is checked
    tree = checked(raw)
    # Then each condition is in the tree, in order, with its path
    assert isinstance(tree, m.All)
    first, group = tree.items[0], tree.items[1]
    assert first == m.Points(
        "balance", m.Comparison((("gte", 500), ("lt", 2000))), "all[0].balance"
    )
    assert isinstance(group, m.AnyOf) and group.items[0] == m.Badge(
        "Silver", False, "all[1].any[0].badge"
    )
    registered = tree.items[6]
    assert registered == m.Registered(
        None, m.Absolute(datetime(2025, 5, 31, 22, tzinfo=UTC)), "all[6].registered"
    )
    assert tree.items[4] == m.Spend(
        m.Comparison((("gte", 10000),)),
        m.Absolute(datetime(2026, 1, 1, tzinfo=UTC)),
        (),
        "all[4].spend",
    )
    assert m.segment_names(tree) == ["lapsed-vip"]


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    # Given a funnel step's filter with five mistakes
    raw = {
        "all": [
            {"balance": {"gte": "500"}},
            {"balanse": {"gte": 1}},
            {
                "any": [
                    {"birthday": {"inDays": 400}},
                    {"purchases": {"count": {"gte": 2}, "within": "90 days"}},
                ]
            },
            {"attribute": {"key": "visits", "type": "boolean", "gt": True}},
            {"consent": {"sms": True, "fax": True}},
        ]
    }
    # When it is checked under the step's path
    found = problems_of(raw, "steps[3].filter")
    # Then every mistake is named with its full path
    assert found == [
        ("steps[3].filter.all[0].balance.gte", ErrorCode.INVALID),
        ("steps[3].filter.all[1].balanse", ErrorCode.INVALID),
        ("steps[3].filter.all[2].any[0].birthday.inDays", ErrorCode.OUT_OF_RANGE),
        ("steps[3].filter.all[2].any[1].purchases.within", ErrorCode.INVALID),
        ("steps[3].filter.all[3].attribute.gt", ErrorCode.INVALID),
        ("steps[3].filter.all[4].consent.fax", ErrorCode.INVALID),
    ]


def test_wrong_shapes_are_problems() -> None:
    assert problems_of([]) == [("filter", ErrorCode.INVALID)]
    assert problems_of({}) == [("filter", ErrorCode.REQUIRED)]
    assert problems_of({"balance": {"gte": 1}, "spendable": {"gte": 1}}) == [
        ("filter", ErrorCode.INVALID)
    ]
    assert problems_of({"all": []}) == [("filter.all", ErrorCode.INVALID)]
    assert problems_of({"balance": {"gte": True}}) == [("filter.balance.gte", ErrorCode.INVALID)]
    assert problems_of({"balance": {"gte": 1.5}}) == [("filter.balance.gte", ErrorCode.INVALID)]
    assert problems_of({"balance": {}}) == [("filter.balance", ErrorCode.INVALID)]
    assert problems_of({"birthday": {"today": False}}) == [
        ("filter.birthday.today", ErrorCode.INVALID)
    ]
    assert problems_of({"registered": {"before": "2026-01-01T00:00:00"}}) == [
        ("filter.registered.before", ErrorCode.INVALID)
    ]
    assert problems_of({"spend": {"gte": 1, "within": "2026-01-01"}}) == [
        ("filter.spend.within", ErrorCode.INVALID)
    ]
    assert problems_of({"segment": "no spaces allowed"}) == [("filter.segment", ErrorCode.INVALID)]
    assert problems_of({"locale": {"in": ["italian!"]}}) == [
        ("filter.locale.in[0]", ErrorCode.INVALID)
    ]
    assert problems_of({"vouchers": {"batch": 3}}) == [("filter.vouchers", ErrorCode.REQUIRED)]
    assert problems_of({"attribute": {"key": "x", "type": "number", "gte": "3"}}) == [
        ("filter.attribute.gte", ErrorCode.INVALID)
    ]
    assert problems_of({"attribute": {"key": "x", "type": "colour", "eq": "red"}}) == [
        ("filter.attribute.type", ErrorCode.INVALID)
    ]


def test_check_filter_never_raises_on_a_huge_whole_number() -> None:
    """Rule: "`check_filter(problems, raw, path)` is purely syntactic and never raises,
    whatever the JSON (unknown fields and wrong types are problems ...)" (docs/segments.md,
    Errors and paths); a number attribute's values are "numbers" (at most 10^15, the
    checker's own message): a whole number is measured as a whole number, never converted
    to a float.

    Given an attribute comparison with a whole number of 400 digits (valid JSON; Python's
    json reads it as an int), when the filter is checked, then it is a problem on
    `filter.attribute.gte`, not an exception."""
    problems = Problems()
    raw = {"attribute": {"key": "visits", "type": "number", "gte": 10**400}}
    checked = check_filter(problems, raw, "filter")
    assert checked is None
    assert [p.field for p in problems.items] == ["filter.attribute.gte"]
    # And the bound itself, as a whole number or a float, is a number
    assert checked_number(10**15) == 10**15 and checked_number(-1e15) == -1e15


def checked_number(value: object) -> object:
    attribute = checked({"attribute": {"key": "visits", "type": "number", "eq": value}})
    assert isinstance(attribute, m.Attribute)
    return attribute.checks[0][1]


def test_nesting_and_size_are_bounded() -> None:
    # Given a filter nested a thousand levels deep
    deep: dict[str, Any] = {"balance": {"gte": 1}}
    for _ in range(1000):
        deep = {"not": deep}
    # Then it is refused at the bound, naming where (no RecursionError)
    found = problems_of(deep)
    assert found == [("filter" + ".not" * (MAX_DEPTH + 1), ErrorCode.OUT_OF_RANGE)]
    # And a filter of more conditions than the bound is refused once
    wide = {"all": [{"any": [{"balance": {"gte": i}} for i in range(50)]} for _ in range(6)]}
    found = problems_of(wide)
    assert [code for _, code in found] == [ErrorCode.OUT_OF_RANGE]
    # And one at the bound is accepted
    group = [{"balance": {"gte": i}} for i in range(99)]
    at_bound = checked({"all": [{"any": group}, {"any": group[:98]}]})
    assert len(m.walk(at_bound)) == MAX_CONDITIONS


_keys = st.sampled_from(
    [
        "all",
        "any",
        "not",
        "balance",
        "gte",
        "lt",
        "eq",
        "in",
        "key",
        "type",
        "number",
        "birthday",
        "today",
        "inDays",
        "segment",
        "attribute",
        "within",
        "since",
        "count",
        "purchases",
        "badge",
        "held",
        "vouchers",
        "batch",
        "consent",
        "sms",
        "locale",
        "x",
    ]
)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([10**400, -(10**400)])  # whole numbers no float can hold
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.sampled_from(["P90D", "2026-02-29", "2026-01-01T00:00:00+00:00", "it-IT", "number"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(_keys | st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(_json)
def test_any_json_is_checked_without_raising(raw: object) -> None:
    # Given any JSON value at all, when it is checked
    problems = Problems()
    result = check_filter(problems, raw, "filter")
    # Then either it is a filter and there is no problem, or there are problems with paths
    assert (result is None) == bool(problems.items)
    assert all(p.field and p.field.startswith("filter") for p in problems.items)
