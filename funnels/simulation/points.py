"""addPoints, removePoints and setPoints, simulated: each customer's balance and held points
read from the ledger (domain.ledger's accounts, CHUNK customers a query), plus what earlier
points steps of the dry run gave or took, decided by the ledger policy's own rules:

- addPoints: refused by the balance ceiling (CEILING, the customer fails, as in the
  engine) or credited;
- removePoints: takes what the spendable points allow (policy.take_back, the refunds'
  rule); the rest is `notRemoved`;
- setPoints: credits the difference up to the target, or removes the difference down to
  it under the same rule.

The liability a step adds is its net points valued at the redemption rate (the checkout's
RedemptionRules.value_of, rounded down as a redemption rounds), in minor units. Points
that would expire during a time-travel run are not simulated."""

from __future__ import annotations

from domain.checkout.quote import RedemptionRules
from domain.checkout.rules import get_rules
from domain.ledger.policy import Change, Funds, refusal, take_back
from domain.ledger.queries import accounts_by_customer
from domain.uow import UnitOfWork
from funnels.definitions.steps import ChangePoints, StepType
from funnels.simulation.cohorts import Cohort
from funnels.simulation.results import PathKind, PointsFigures, StepSimulation
from funnels.simulation.state import Route, WalkState

CEILING = "CEILING"


async def simulate_points(
    state: WalkState, step: ChangePoints, cohort: Cohort, report: StepSimulation
) -> list[Route]:
    figures = report.points = report.points or PointsFigures()
    passed = Cohort()
    for chunk in cohort.chunks():
        accounts = await accounts_by_customer(state.uow, chunk.ids)
        for customer_id, at in chunk:
            account = accounts.get(customer_id)
            delta = state.point_deltas.get(customer_id, 0)
            funds = Funds(
                (account.balance if account else 0) + delta, account.held if account else 0
            )
            moved = change_of(step, funds)
            if moved is None:
                report.fail(CEILING)
                continue
            points, not_removed = moved
            if points:
                state.point_deltas[customer_id] = delta + points
            figures.added += max(points, 0)
            figures.removed += max(-points, 0)
            figures.not_removed += not_removed
            passed.add(customer_id, at)
    return [Route(PathKind.NEXT, step.next, passed)]


def change_of(step: ChangePoints, funds: Funds) -> tuple[int, int] | None:
    """(the points the step would move, positive when credited; what a removal could not
    take), or None when the balance ceiling refuses the credit."""
    if step.type is StepType.ADD_POINTS:
        return None if refusal(funds, Change(points=step.points)) else (step.points, 0)
    if step.type is StepType.REMOVE_POINTS:
        taken = take_back(funds, step.points)
        return -taken, step.points - taken
    if funds.balance <= step.points:
        return step.points - funds.balance, 0
    due = funds.balance - step.points
    taken = take_back(funds, due)
    return -taken, due - taken


async def value_points(uow: UnitOfWork, figures: list[PointsFigures]) -> RedemptionRules:
    """Each figure's liability set at the redemption rate; the rules used."""
    rules = await get_rules(uow)
    for found in figures:
        found.liability_minor = liability_minor(rules, found.added - found.removed)
    return rules


def liability_minor(rules: RedemptionRules, net_points: int) -> int:
    """What `net_points` (negative: points taken) are worth in minor units, rounded toward
    zero as a redemption rounds its value down."""
    value = rules.value_of(abs(net_points))
    return value if net_points >= 0 else -value
