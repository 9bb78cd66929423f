"""Given random graphs of steps, when their definitions are parsed, then a cycle without a
wait is reported exactly when one exists (checked against a plain search of every cycle),
and a step is reported unreachable exactly when no path from the start leads to it."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funnels.definitions.parsing import parse_definition
from tests.funnels.definitions.support import check_filter, welcome

# Each step: (is it a wait, its targets as indexes).
Graph = list[tuple[bool, list[int]]]


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    size = draw(st.integers(min_value=1, max_value=7))
    targets = st.lists(st.integers(min_value=0, max_value=size - 1), max_size=2)
    return [(draw(st.booleans()), draw(targets)) for _ in range(size)]


def definition(graph: Graph) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for index, (is_wait, targets) in enumerate(graph):
        names = [f"s{t}" for t in targets]
        step: dict[str, Any]
        if len(names) == 2 and is_wait:  # a wait with two ways on: the event, or the timeout
            step = {"type": "wait", "untilEvent": "PURCHASE_RECORDED", "timeout": "P1D"}
            step.update(next=names[0], timeoutNext=names[1])
        elif len(names) == 2:
            step = {"type": "branch", "filter": {"hasPurchased": True}}
            step.update(yes=names[0], no=names[1])
        elif is_wait:
            step = {"type": "wait", "duration": "P1D"}
        else:
            step = {"type": "addPoints", "points": 1}
        if len(names) == 1:
            step["next"] = names[0]
        steps.append({"id": f"s{index}", **step})
    return welcome(start="s0", steps=steps)


def has_waitless_cycle(graph: Graph) -> bool:
    """Whether some cycle avoids every wait: a depth-first search from each step through
    steps that are not waits, back to it."""
    for origin in range(len(graph)):
        if graph[origin][0]:
            continue
        stack, seen = list(graph[origin][1]), set()
        while stack:
            node = stack.pop()
            if node == origin:
                return True
            if node in seen or graph[node][0]:
                continue
            seen.add(node)
            stack.extend(graph[node][1])
    return False


def reachable(graph: Graph) -> set[int]:
    seen, stack = {0}, [0]
    while stack:
        for target in graph[stack.pop()][1]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


@settings(max_examples=500)
@given(graphs())
def test_cycles_and_reachability_match_a_plain_search(graph: Graph) -> None:
    _, problems = parse_definition(definition(graph), check_filter)
    cycles = [p for p in problems if "cycle without a wait" in p.message]
    assert bool(cycles) == has_waitless_cycle(graph), (graph, problems)
    unreachable = {int(p.field[6:-1]) for p in problems if "cannot be reached" in p.message}  # type: ignore[index]
    assert unreachable == set(range(len(graph))) - reachable(graph)
    assert {p.message for p in problems} <= {p.message for p in cycles} | {
        p.message for p in problems if "cannot be reached" in p.message
    }


def test_a_loop_through_a_wait_does_not_hide_a_shorter_one_without() -> None:
    # a -> b -> a (no wait) beside a -> w -> a (a wait): one loop skips the wait
    graph: Graph = [(False, [1, 2]), (False, [0]), (True, [0])]
    _, problems = parse_definition(definition(graph), check_filter)
    assert [p.field for p in problems] == ["steps[0]"]
