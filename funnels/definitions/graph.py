"""The rules on a definition's graph of steps: ids unique, every target a step, every step
reachable from `start`, and every cycle through a wait (a loop without one would run its
steps over and over within one tick of the engine)."""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import ErrorCode, Problems
from funnels.definitions.steps import Step, Wait


def check_graph(
    problems: Problems,
    start: str,
    steps: Sequence[Step | None],
    ids: Sequence[str | None],
) -> None:
    """Adds a problem on the path at fault for each rule the steps break. `steps` holds None
    for a step with problems of its own, `ids` each step's id as written (None: none): ids
    and targets are checked on every step that has them; reachability and cycles once every
    step is well formed (a step with problems has no known targets)."""
    index: dict[str, int] = {}
    for position, step_id in enumerate(ids):
        if step_id is None:
            continue
        if step_id in index:
            problems.add(
                f"steps[{position}].id",
                ErrorCode.DUPLICATE,
                f"Step id {step_id!r} is already used by steps[{index[step_id]}].",
            )
        else:
            index[step_id] = position
    if start not in index:
        problems.add("start", ErrorCode.NOT_FOUND, f"No step has the id {start!r}.")
    edges: dict[int, list[int]] = {}
    for position, step in enumerate(steps):
        edges[position] = []
        for field, target in step.targets() if step is not None else ():
            if target not in index:
                problems.add(
                    f"steps[{position}].{field}",
                    ErrorCode.NOT_FOUND,
                    f"No step has the id {target!r}.",
                )
            else:
                edges[position].append(index[target])
    complete = [s for s in steps if s is not None]
    if len(complete) < len(steps):
        return
    if start in index:
        _reachable(problems, index[start], complete, edges)
    # Every cycle goes through a wait exactly when the steps other than waits, with the
    # links between them, hold no cycle (a loop through a wait can hide a shorter one
    # beside it that skips the wait, so looking for a wait in each loop is not enough).
    waits = {p for p, step in enumerate(complete) if isinstance(step, Wait)}
    without_waits = {
        p: ([] if p in waits else [t for t in targets if t not in waits])
        for p, targets in edges.items()
    }
    for cycle in _cycles(len(complete), without_waits):
        first = min(cycle)
        route = " -> ".join(complete[p].id for p in sorted(cycle))
        problems.add(
            f"steps[{first}]",
            ErrorCode.INVALID,
            f"The steps {route} form a cycle without a wait step: add a wait to the loop.",
        )


def steps_on_cycles(steps: Sequence[Step]) -> set[str]:
    """The ids of the steps that lie on a loop of a well-formed definition's graph (the dry
    run limits how often it follows one)."""
    index = {step.id: position for position, step in enumerate(steps)}
    edges = {
        position: [index[target] for _, target in step.targets() if target in index]
        for position, step in enumerate(steps)
    }
    return {steps[p].id for cycle in _cycles(len(steps), edges) for p in cycle}


def _reachable(
    problems: Problems, start: int, steps: Sequence[Step], edges: dict[int, list[int]]
) -> None:
    seen, stack = {start}, [start]
    while stack:
        for target in edges[stack.pop()]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    for position, step in enumerate(steps):
        if position not in seen:
            problems.add(
                f"steps[{position}]",
                ErrorCode.INVALID,
                f"Step {step.id!r} cannot be reached from the start step.",
            )


def _cycles(count: int, edges: dict[int, list[int]]) -> list[list[int]]:
    """The strongly connected components that hold a cycle (Tarjan's algorithm, iterative:
    a long chain of steps must not exhaust Python's recursion)."""
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in range(count):
        if root in order:
            continue
        work = [(root, 0)]
        while work:
            node, next_edge = work.pop()
            if next_edge == 0:
                order[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if next_edge < len(targets):
                work.append((node, next_edge + 1))
                target = targets[next_edge]
                if target not in order:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], order[target])
                continue
            if low[node] == order[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found
