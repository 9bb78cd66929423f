"""Given any value at all (random JSON, NUL bytes, huge numbers, deep nesting, other roots,
mutations of a valid definition), when it is parsed, then the answer is a definition or
problems, never an exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnels.definitions.parsing import parse_definition
from tests.funnels.definitions.support import check_filter, welcome


def huge_number(negative: bool) -> int:
    """An integer of 5,001 digits: more than Python turns into text (built here, since
    hypothesis prints its strategies' arguments)."""
    return -(10**5000) if negative else 10**5000


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(), max_size=30)
    | st.sampled_from(["\x00", "P1D", "PT1M", "09:00", "CUSTOMER_REGISTERED", "wait", "exit"])
    | st.builds(huge_number, st.booleans())
    | st.sampled_from([2**63, "9" * 5000])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.text(max_size=10) | st.sampled_from(["id", "type", "next"]), children, max_size=5
        )
    ),
    max_leaves=40,
)

STEP_KEYS = [
    "id",
    "type",
    "next",
    "points",
    "duration",
    "untilTimeOfDay",
    "untilDate",
    "untilEvent",
    "timeout",
    "timeoutNext",
    "filter",
    "yes",
    "no",
    "paths",
    "template",
    "voucherBatch",
    "category",
    "key",
    "value",
    "subject",
    "message",
    "name",
    "withinDays",
    "reason",
]
TOP_KEYS = ["name", "description", "entry", "exit", "start", "steps"]


def parsed(raw: object) -> None:
    definition, problems = parse_definition(raw, check_filter)
    assert (definition is None) == bool(problems)
    for problem in problems:
        assert problem.field is None or isinstance(problem.field, str)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_random_values_never_raise(raw: Any) -> None:
    parsed(raw)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=7),
    st.sampled_from(STEP_KEYS),
    json_values,
    st.sampled_from(TOP_KEYS),
    json_values,
)
def test_a_mutated_definition_never_raises(
    index: int, step_key: str, step_value: Any, top_key: str, top_value: Any
) -> None:
    raw = welcome()
    raw["steps"][index][step_key] = step_value
    parsed(raw)
    raw[top_key] = top_value
    parsed(raw)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["event", "schedule", "campaign"]),
    st.text(max_size=30) | scalars,
    st.text(max_size=40) | scalars,
    st.lists(scalars, max_size=4) | scalars,
)
def test_triggers_never_raise(kind: str, first: Any, second: Any, third: Any) -> None:
    values = {
        "event": first,
        "schedule": {"cron": first, "timeZone": second},
        "campaign": {"at": second, "customers": third},
    }
    parsed(welcome(entry={"trigger": {kind: values[kind]}, "reentryPeriod": second}))


@settings(max_examples=50)
@given(st.integers(min_value=1, max_value=3000), st.sampled_from(["list", "dict"]))
def test_nesting_of_any_depth_never_raises(depth: int, kind: str) -> None:
    deep: Any = 1
    for _ in range(depth):
        deep = [deep] if kind == "list" else {"filter": deep}
    parsed(deep)
    parsed(welcome(entry={"trigger": {"event": "CUSTOMER_REGISTERED"}, "filter": deep}))
