"""Walking the graph set-based: the customers waiting to arrive at each step are a cohort,
and a step runs for its whole cohort at once (a few queries per CHUNK customers), handing
each part of it on to the next steps.

Order: the step with arrivals that comes first in the graph (its place in a depth-first
walk from `start`, loops' back links left out) runs next, so every step of a graph without
loops runs once with all its customers, and each customer runs their steps in the order
they would (what caps, points and vouchers carried from step to step rely on).

On arrival, customers whose clocks moved (entering, or a wait with time travel) are
checked against the funnel's exit filter at their time, and those it matches leave.

Loops (every loop holds a wait) are followed once without time travel: a customer coming
back to a step of a loop is stopped there (LOOP), so each step of the loop shows what one
round does. With time travel the simulated clock moves on at each round, and the dry run
follows at most MAX_ROUNDS rounds (a weekly loop for a year) within the horizon."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.graph import steps_on_cycles
from funnels.definitions.steps import (
    Branch,
    ChangePoints,
    Exit,
    Goal,
    IssueVoucher,
    NotifyStaff,
    RandomSplit,
    SendMessage,
    SetAttribute,
    SetCategory,
    Step,
    Wait,
)
from funnels.simulation.cohorts import Cohort
from funnels.simulation.flow import (
    pass_on,
    simulate_branch,
    simulate_exit,
    simulate_set_category,
    simulate_split,
    simulate_wait,
)
from funnels.simulation.messages import simulate_send
from funnels.simulation.points import simulate_points
from funnels.simulation.results import StepSimulation, StopReason
from funnels.simulation.state import Route, WalkState
from funnels.simulation.vouchers import simulate_issue_voucher

# How many times, at most, a time-travel run takes a customer round a loop.
MAX_ROUNDS = 52

Simulator = Callable[[WalkState, Any, Cohort, StepSimulation], Awaitable[list[Route]]]
SIMULATORS: dict[type, Simulator] = {
    Wait: simulate_wait,
    Branch: simulate_branch,
    RandomSplit: simulate_split,
    Exit: simulate_exit,
    ChangePoints: simulate_points,
    SendMessage: simulate_send,
    IssueVoucher: simulate_issue_voucher,
    SetCategory: simulate_set_category,
    SetAttribute: pass_on,
    NotifyStaff: pass_on,
    Goal: pass_on,
}


async def walk(state: WalkState, entering: Cohort) -> None:
    """Run the entering customers through the definition, filling `state.reports`."""
    definition = state.definition
    rank = walk_order(definition)
    looping = steps_on_cycles(definition.steps)
    pending: dict[str, list[Cohort]] = {definition.start: [entering]}
    while pending:
        step_id = min(pending, key=rank.__getitem__)
        step = definition.step(step_id)
        assert step is not None
        cohort = await _arrive(state, step, pending.pop(step_id), step_id in looping)
        if not cohort:
            continue
        report = state.reports[step_id]
        for route in await SIMULATORS[type(step)](state, step, cohort, report):
            _record(report, route)
            if route.next_step is None:
                report.completed += len(route.cohort)
            elif route.cohort:
                pending.setdefault(route.next_step, []).append(route.cohort)


async def _arrive(state: WalkState, step: Step, arrivals: list[Cohort], looping: bool) -> Cohort:
    """The customers who stay to run the step: counted as reaching it, less those the exit
    filter takes out and those a loop's limit stops."""
    report = state.reports[step.id]
    staying: list[Cohort] = []
    for cohort in arrivals:
        if not cohort:
            continue
        report.arrived(len(cohort), min(cohort.times), max(cohort.times))
        if cohort.fresh:
            cohort = await _without_leavers(state, cohort, report)
        staying.append(cohort)
    joined = Cohort.join(staying)
    return _within_rounds(state, step, joined, report) if looping else joined


async def _without_leavers(state: WalkState, cohort: Cohort, report: StepSimulation) -> Cohort:
    exit_condition = state.definition.exit
    if exit_condition is None or exit_condition.filter is None:
        return cohort
    leaving = await state.matching(exit_condition.filter, cohort, "exit.filter")
    report.exited += len(leaving)
    return cohort.without(leaving)


def _within_rounds(state: WalkState, step: Step, cohort: Cohort, report: StepSimulation) -> Cohort:
    limit = MAX_ROUNDS if state.time_travel else 1
    seen = state.visits.setdefault(step.id, {})
    kept = Cohort()
    for customer_id, at in cohort:
        rounds = seen.get(customer_id, 0) + 1
        if rounds > limit:
            report.stop(StopReason.LOOP)
            continue
        seen[customer_id] = rounds
        kept.add(customer_id, at)
    return kept


def _record(report: StepSimulation, route: Route) -> None:
    for path in report.paths:
        if path.kind is route.kind and path.split_path == route.split_path:
            path.count += len(route.cohort)
            return
    raise AssertionError(f"step {report.step_id} has no {route.kind} path")


def walk_order(definition: FunnelDefinition) -> dict[str, int]:
    """Each step's place in a depth-first walk from `start` (reverse post-order: a step
    comes before every step it leads to, but along a loop's back link)."""
    finished: list[str] = []
    seen = {definition.start}
    stack: list[tuple[str, int]] = [(definition.start, 0)]
    while stack:
        step_id, edge = stack.pop()
        step = definition.step(step_id)
        targets = [t for _, t in step.targets()] if step is not None else []
        if edge < len(targets):
            stack.append((step_id, edge + 1))
            if targets[edge] not in seen:
                seen.add(targets[edge])
                stack.append((targets[edge], 0))
        else:
            finished.append(step_id)
    order = {step_id: place for place, step_id in enumerate(reversed(finished))}
    # Steps not reachable from start (a definition's check refuses them) come last.
    for step in definition.steps:
        order.setdefault(step.id, len(order))
    return order
