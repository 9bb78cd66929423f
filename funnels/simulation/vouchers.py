"""issueVoucher, simulated: the batch's supply read once at asOf (domain.vouchers'
batch_supply: its free codes as an assignment would take them), then counted down by every
issueVoucher step on that batch, customers taken earliest first as the engine takes due
enrollments. A batch expired (at the customer's simulated time) or with every code
disabled fails its customers with the engine's reason; one out of codes fails the rest
with BATCH_EXHAUSTED (`short`). Codes that would expire between asOf and a later
simulated time are counted as free."""

from __future__ import annotations

from domain.vouchers.bulk_assign import AssignOutcome, batch_supply
from funnels.definitions.steps import IssueVoucher
from funnels.simulation.cohorts import Cohort
from funnels.simulation.results import PathKind, StepSimulation, VoucherFigures
from funnels.simulation.state import Route, Supply, WalkState

BATCH_NOT_FOUND = "BATCH_NOT_FOUND"


async def simulate_issue_voucher(
    state: WalkState, step: IssueVoucher, cohort: Cohort, report: StepSimulation
) -> list[Route]:
    figures = report.vouchers = report.vouchers or VoucherFigures()
    supply = state.supplies.get(step.voucher_batch)
    if supply is None:
        found = await batch_supply(state.uow, step.voucher_batch, state.as_of)
        supply = state.supplies[step.voucher_batch] = Supply(found, found.free if found else 0)
    if supply.batch is None:
        report.fail(BATCH_NOT_FOUND, len(cohort))
        return []
    given = Cohort()
    for customer_id, at in cohort.in_time_order():
        refused = supply.batch.refusal(at)
        if refused is not None:
            report.fail(refused.value)
        elif supply.left > 0:
            supply.left -= 1
            figures.would_issue += 1
            state.vouchered.add(customer_id)
            given.add(customer_id, at)
        else:
            figures.short += 1
            report.fail(AssignOutcome.BATCH_EXHAUSTED.value)
    return [Route(PathKind.NEXT, step.next, given)]
