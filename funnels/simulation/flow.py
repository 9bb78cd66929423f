"""The steps that route customers, simulated: waits, branches, random splits, exits, and
the steps whose work the dry run only counts (setCategory, setAttribute, notifyStaff,
goal).

- wait: without time travel, customers pass at once (the clock stays at asOf); with it,
  each customer's clock moves to their wake-up time (funnels.engine.wakeups.wake_at, the
  engine's rule: a loop back to a wait until a date waits for a later anniversary than
  the one it ended on). A wait until a date fails the customers without that date (NO_DATE) in
  both modes, as the engine does. Events are not simulated: a wait until an event takes
  its timeout path (at the timeout, with time travel). A wake-up after the horizon stops
  the customer there (HORIZON);
- branch: the filter at each customer's (simulated) time, on today's data;
- randomSplit: the engine's buckets, keyed by the customer's id (a dry run has no
  enrollments; the engine keys by the enrollment's, so the counts per path agree with the
  engine's only in expectation, not exactly, and not the same customers);
- goal: counted as reached (conversions are not predicted)."""

from __future__ import annotations

from domain.customers.repository import customers_by_id
from funnels.definitions.steps import (
    Branch,
    Exit,
    Goal,
    NotifyStaff,
    RandomSplit,
    SetAttribute,
    SetCategory,
    UntilDate,
    UntilEvent,
    UntilTimeOfDay,
    Wait,
)
from funnels.engine.steps.customers import CATEGORY_UNAVAILABLE, category_named
from funnels.engine.steps.flow import split_bucket, split_path
from funnels.engine.wakeups import date_of, wake_at
from funnels.simulation.cohorts import Cohort
from funnels.simulation.results import PathKind, StepSimulation, StopReason
from funnels.simulation.state import Route, WalkState

NO_DATE = "NO_DATE"
SPLIT_INCOMPLETE = "SPLIT_INCOMPLETE"


async def simulate_wait(
    state: WalkState, step: Wait, cohort: Cohort, report: StepSimulation
) -> list[Route]:
    until = step.until
    if isinstance(until, UntilEvent):
        kind, target = PathKind.TIMEOUT, until.timeout_next
    else:
        kind, target = PathKind.NEXT, step.next
    by_date = isinstance(until, UntilDate)
    needs_customers = by_date or (state.time_travel and isinstance(until, UntilTimeOfDay))
    woken = Cohort(fresh=state.time_travel)
    for chunk in cohort.chunks():
        customers = await customers_by_id(state.uow, chunk.ids) if needs_customers else {}
        for customer_id, at in chunk:
            customer = customers.get(customer_id)
            if not state.time_travel:
                if isinstance(until, UntilDate) and date_of(customer, until.attribute) is None:
                    report.fail(NO_DATE)
                else:
                    woken.add(customer_id, at)
                continue
            woke_before = state.woke.get((step.id, customer_id))
            wake = wake_at(until, customer, at, woke_before)
            if wake is None:
                report.fail(NO_DATE)
            elif state.horizon is not None and wake > state.horizon:
                report.stop(StopReason.HORIZON)
            else:
                woken.add(customer_id, wake)
                if by_date:
                    state.woke[(step.id, customer_id)] = wake
    return [Route(kind, target, woken)]


async def simulate_branch(
    state: WalkState, step: Branch, cohort: Cohort, report: StepSimulation
) -> list[Route]:
    position = [s.id for s in state.definition.steps].index(step.id)
    matched = await state.matching(step.filter, cohort, f"steps[{position}].filter")
    yes, no = cohort.split(matched)
    return [Route(PathKind.YES, step.yes, yes), Route(PathKind.NO, step.no, no)]


async def simulate_split(
    state: WalkState, step: RandomSplit, cohort: Cohort, report: StepSimulation
) -> list[Route]:
    paths = [Cohort() for _ in step.paths]
    for customer_id, at in cohort:
        index = split_path(step, split_bucket(customer_id, step.id))
        if index is None:
            report.fail(SPLIT_INCOMPLETE)
        else:
            paths[index].add(customer_id, at)
    return [
        Route(PathKind.SPLIT, path.next, paths[index], split_path=index)
        for index, path in enumerate(step.paths)
    ]


async def simulate_exit(
    state: WalkState, step: Exit, cohort: Cohort, report: StepSimulation
) -> list[Route]:
    report.exited += len(cohort)
    return []


async def simulate_set_category(
    state: WalkState, step: SetCategory, cohort: Cohort, report: StepSimulation
) -> list[Route]:
    if await category_named(state.uow, step.category) is None:
        report.fail(CATEGORY_UNAVAILABLE, len(cohort))
        return []
    return [Route(PathKind.NEXT, step.next, cohort)]


async def pass_on(
    state: WalkState,
    step: SetAttribute | NotifyStaff | Goal,
    cohort: Cohort,
    report: StepSimulation,
) -> list[Route]:
    """Steps whose work the dry run counts but does not predict: an attribute set, a staff
    notice, a goal's window opened."""
    return [Route(PathKind.NEXT, step.next, cohort)]
