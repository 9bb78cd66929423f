"""addPoints, removePoints and setPoints: one ledger statement for the whole batch
(domain.ledger.bulk_changes), each customer's entry under the step run's key as its
idempotency key and with a source that names the funnel, its version, the step and the
enrollment (`funnel:<id>:v<version>:<step>:<enrollment>`).

A removal takes what the customer's spendable points allow and records the rest in the
run's detail (`notRemoved`), as refunds do; a customer already at setPoints' target, or
with nothing to remove, gets no entry and goes on. A credit the balance ceiling refuses
fails the enrollment (CEILING): the marketer sees who in the statistics."""

from __future__ import annotations

from domain.ledger.bulk import BulkItem, BulkPosting, ItemResult
from domain.ledger.bulk import Outcome as Posted
from domain.ledger.bulk_changes import add_points_each, remove_points_each, set_points_each
from domain.ledger.kinds import EntryKind
from funnels.definitions.steps import ChangePoints, StepType
from funnels.engine.models import Enrollment, Move, Outcome
from funnels.engine.steps.batch import StepBatch, fail, go_on

SOURCE_TYPE = "funnel"
ACTOR = "funnel"
_DONE = (Posted.POSTED, Posted.REPLAYED, Posted.UNCHANGED)


def source_ref(enrollment: Enrollment) -> str:
    return (
        f"funnel:{enrollment.funnel_id}:v{enrollment.version}:{enrollment.step_id}:{enrollment.id}"
    )


async def run_points(batch: StepBatch) -> list[Move]:
    step = batch.step
    assert isinstance(step, ChangePoints)
    items = [BulkItem(e.customer_id, e.run_key, source_ref(e)) for e in batch.enrollments]
    # A funnel's credit counts as earned, as a gift's does; its removals and settings are
    # the program's own adjustments.
    kind = EntryKind.GIFT if step.type is StepType.ADD_POINTS else EntryKind.MANUAL
    posting = BulkPosting(kind, ACTOR, SOURCE_TYPE, note=f"{batch.definition.name}: {step.id}")
    if step.type is StepType.ADD_POINTS:
        results = await add_points_each(batch.uow, posting, items, step.points)
    elif step.type is StepType.REMOVE_POINTS:
        results = await remove_points_each(batch.uow, posting, items, step.points)
    else:
        results = await set_points_each(batch.uow, posting, items, step.points)
    by_key = {r.idempotency_key: r for r in results}
    return [_moved(e, by_key[e.run_key], step, batch) for e in batch.enrollments]


def _moved(
    enrollment: Enrollment, result: ItemResult, step: ChangePoints, batch: StepBatch
) -> Move:
    if result.outcome not in _DONE:
        return fail(enrollment, result.outcome.value)
    detail: dict[str, object] = {"entry": result.entry_id, "points": result.points}
    if result.not_removed:
        detail["notRemoved"] = result.not_removed
    return go_on(enrollment, Outcome.DONE, step.next, batch.now, detail)
