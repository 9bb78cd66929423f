"""simulate_funnel: the dry run as one call, in one read-only transaction.

The whole run (loading the definition, entering, every step's reads) is one transaction
that PostgreSQL keeps read-only from its first statement (domain.uow.read_only), on one
snapshot: nothing a simulation does can write to the ledger, the outbox, the messages, the
vouchers or the engine's tables, whatever code it reaches, and it takes no lock a live
customer's purchase or the engine would wait for. It never calls the engine's writes
(entering, advancing, points, messages, vouchers); it calls the rules those writes decide
with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from domain.uow import UnitOfWork, read_only
from funnels.definitions.filters import FilterCheck
from funnels.simulation.audience import entering
from funnels.simulation.cohorts import Cohort
from funnels.simulation.points import liability_minor, value_points
from funnels.simulation.request import (
    HORIZON,
    CheckedRequest,
    SimulationRequest,
    check_request,
    load_plan,
)
from funnels.simulation.results import (
    MessageFigures,
    PointsFigures,
    Simulation,
    StepSimulation,
    Totals,
    VoucherFigures,
    step_simulation,
)
from funnels.simulation.runtime import SimulationRuntime
from funnels.simulation.state import WalkState
from funnels.simulation.walk import walk


async def simulate_funnel(
    uow: UnitOfWork,
    runtime: SimulationRuntime,
    request: SimulationRequest,
    check_filter: FilterCheck,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Simulation:
    """What the funnel (saved, or a definition not saved) would do to today's data if its
    customers entered at `as_of` (now by default), per step and in total; see
    docs/funnels-simulation.md. Writes nothing, ever. Raises DomainError: for a request at
    fault (each field named), an unknown funnel or version, a definition with problems
    (each on its path in the definition, as validateFunnel names them), or a stored filter
    that no longer compiles (named at its place in the definition)."""
    checked = check_request(request, clock())
    return await read_only(uow, lambda open_uow: _simulate(open_uow, runtime, checked,
                                                            check_filter))  # fmt: skip


async def _simulate(
    uow: UnitOfWork, runtime: SimulationRuntime, request: CheckedRequest, check_filter: FilterCheck
) -> Simulation:
    plan = await load_plan(uow, request, check_filter)
    definition = plan.definition
    who = await entering(uow, runtime, plan, request.as_of)
    horizon = request.as_of + HORIZON if request.time_travel else None
    state = WalkState(
        uow,
        runtime,
        definition,
        request.as_of,
        request.time_travel,
        horizon,
        {step.id: step_simulation(step) for step in definition.steps},
    )
    if who.ids:
        await walk(state, Cohort.at(who.ids, request.as_of, fresh=True))
    steps = [state.reports[step.id] for step in definition.steps]
    totals = await _totals(uow, steps)
    return Simulation(
        funnel_id=plan.funnel_id,
        version=plan.version,
        name=definition.name,
        as_of=request.as_of,
        time_travel=request.time_travel,
        horizon=horizon,
        basis=who.basis,
        audience=who.audience,
        entered=len(who.ids),
        currency=runtime.shop.currency,
        steps=steps,
        totals=totals,
    )


async def _totals(uow: UnitOfWork, steps: list[StepSimulation]) -> Totals:
    points = PointsFigures()
    messages: dict[str, MessageFigures] = {}
    vouchers = VoucherFigures()
    for step in steps:
        if step.points is not None:
            points.added += step.points.added
            points.removed += step.points.removed
            points.not_removed += step.points.not_removed
        if step.messages is not None:
            channel = step.messages.channel
            messages.setdefault(channel.value, MessageFigures(channel)).add(step.messages)
        if step.vouchers is not None:
            vouchers.would_issue += step.vouchers.would_issue
            vouchers.short += step.vouchers.short
    figures = [s.points for s in steps if s.points is not None]
    if figures:
        rules = await value_points(uow, figures)
        points.liability_minor = liability_minor(rules, points.added - points.removed)
    return Totals(
        completed=sum(s.completed for s in steps),
        exited=sum(s.exited for s in steps),
        failed=sum(s.failed for s in steps),
        stopped=sum(sum(s.stopped.values()) for s in steps),
        points=points,
        messages=[messages[k] for k in sorted(messages)],
        vouchers=vouchers,
    )
