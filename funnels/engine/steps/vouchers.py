"""issueVoucher: one free code of the step's voucher batch for each customer of the batch,
in one statement (domain.vouchers.bulk_assign), under the step run's key as the assignment
key; the code is kept on the enrollment for the sends after it (`[voucher_code]`).

A batch out of codes, expired or disabled fails the enrollments it could not serve, with
the reason (BATCH_EXHAUSTED, ...): a campaign never sends a message with no code in it.
Two batches at the same step give codes of the voucher batch at once, not in turns."""

from __future__ import annotations

from domain.vouchers.bulk_assign import AssignmentItem, assign_codes_each
from funnels.definitions.steps import IssueVoucher
from funnels.engine.models import Move, Outcome
from funnels.engine.steps.batch import StepBatch, fail, go_on
from funnels.engine.steps.sending import VOUCHER_CODE


async def run_issue_voucher(batch: StepBatch) -> list[Move]:
    step = batch.step
    assert isinstance(step, IssueVoucher)
    items = [AssignmentItem(e.customer_id, e.run_key) for e in batch.enrollments]
    # The keys are the runs of enrollments this batch holds FOR UPDATE: no other batch can
    # use them, so batches (the engine's lanes) give codes of one voucher batch side by side.
    assigned = await assign_codes_each(batch.uow, step.voucher_batch, items, keys_held=True)
    given = {r.assignment_key: r for r in assigned}
    moves = []
    for enrollment in batch.enrollments:
        result = given[enrollment.run_key]
        if not result.done:
            moves.append(fail(enrollment, result.outcome.value))
            continue
        detail = {"voucher": result.voucher_id}
        context = {VOUCHER_CODE: result.code}
        moves.append(go_on(enrollment, Outcome.DONE, step.next, batch.now, detail, context))
    return moves
