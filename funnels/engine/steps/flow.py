"""The steps that only route: waits, random splits, goals and exits."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from domain.errors import DomainError
from funnels.definitions.steps import Branch, Exit, Goal, RandomSplit, UntilDate, UntilEvent, Wait
from funnels.engine.models import Enrollment, Move, Outcome, Status
from funnels.engine.steps.batch import StepBatch, fail, filter_unavailable, go_on
from funnels.engine.wakeups import wake_at


async def run_wait(batch: StepBatch) -> list[Move]:
    """Arriving: wait until the wake-up time (no run yet). Due again: the wait is over, on
    to `next` (a wait for an event that timed out: on to `timeoutNext`). A wait until a
    date keeps when it ended in the enrollment's context (`woke:<step id>`), so that a loop
    back to it waits for the next anniversary rather than ending again the same day."""
    step = batch.step
    assert isinstance(step, Wait)
    arriving = [e for e in batch.enrollments if not e.waiting]
    customers = await batch.customers() if arriving else {}
    moves = []
    for enrollment in batch.enrollments:
        if enrollment.waiting:
            if isinstance(step.until, UntilEvent):
                moves.append(go_on(enrollment, Outcome.TIMED_OUT, step.until.timeout_next,
                                   batch.now))  # fmt: skip
            elif isinstance(step.until, UntilDate):
                woke = {woke_key(step.id): enrollment.due_at.isoformat()}
                moves.append(go_on(enrollment, Outcome.WAITED, step.next, batch.now,
                                   context=woke))  # fmt: skip
            else:
                moves.append(go_on(enrollment, Outcome.WAITED, step.next, batch.now))
            continue
        wake = wake_at(step.until, customers.get(enrollment.customer_id), batch.now,
                       last_woke(enrollment.context, step.id))  # fmt: skip
        if wake is None:
            moves.append(fail(enrollment, "NO_DATE"))
        else:
            moves.append(Move(enrollment.id, Outcome.WAITED, step.id, wake, ran=False,
                              waiting=True))  # fmt: skip
    return moves


def woke_key(step_id: str) -> str:
    """The context key of when the wait `step_id` (until a date) last ended."""
    return f"woke:{step_id}"


def last_woke(context: dict[str, Any], step_id: str) -> datetime | None:
    """When the wait `step_id` last ended for an enrollment (its context), if it did."""
    value = context.get(woke_key(step_id))
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def split_bucket(key: int, step_id: str) -> int:
    """0 to 99, the same for a key (an enrollment's id; the dry run, which has no
    enrollments, a customer's) and step in every process and run (so a retried batch
    sends each customer down the same path), spread evenly."""
    digest = hashlib.blake2b(f"{key}:{step_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100


def split_path(step: RandomSplit, bucket: int) -> int | None:
    """The index of the path a bucket (0 to 99) falls in, the paths taking their
    percentages in order; None only for percentages short of 100, which the definition's
    check refuses."""
    upper = 0
    for index, path in enumerate(step.paths):
        upper += path.percent
        if bucket < upper:
            return index
    return None


async def run_random_split(batch: StepBatch) -> list[Move]:
    step = batch.step
    assert isinstance(step, RandomSplit)
    moves = []
    for enrollment in batch.enrollments:
        index = split_path(step, split_bucket(enrollment.id, step.id))
        if index is None:
            moves.append(fail(enrollment, "SPLIT_INCOMPLETE"))
            continue
        path = step.paths[index]
        detail = {"path": index, "holdout": path.holdout}
        moves.append(go_on(enrollment, Outcome.PATH, path.next, batch.now, detail,
                           {f"split:{step.id}": index}))  # fmt: skip
    return moves


# The goal's window, once per enrollment and goal name (a loop back through the goal keeps
# the first window).
_OPEN_GOALS = text("""
    INSERT INTO funnel_goals (enrollment_id, goal, funnel_id, version, step_id, customer_id,
                              opened_at, until)
    SELECT g.enrollment_id, :goal, :funnel_id, :version, :step_id, g.customer_id,
           CAST(:now AS timestamptz), CAST(:until AS timestamptz)
      FROM unnest(CAST(:ids AS bigint[]), CAST(:customer_ids AS bigint[]))
           AS g(enrollment_id, customer_id)
    ON CONFLICT (enrollment_id, goal) DO NOTHING
""")


async def run_goal(batch: StepBatch) -> list[Move]:
    """The conversion window opens (funnel_goals): the customer's first purchase before its
    end converts it, with its revenue; the customer goes on at once."""
    step = batch.step
    assert isinstance(step, Goal)
    first = batch.enrollments[0]
    await batch.uow.execute(
        _OPEN_GOALS,
        {
            "goal": step.name,
            "funnel_id": first.funnel_id,
            "version": first.version,
            "step_id": step.id,
            "now": batch.now,
            "until": batch.now + timedelta(days=step.within_days),
            "ids": [e.id for e in batch.enrollments],
            "customer_ids": [e.customer_id for e in batch.enrollments],
        },
    )
    return [go_on(e, Outcome.DONE, step.next, batch.now, {"goal": step.name})
            for e in batch.enrollments]  # fmt: skip


async def run_exit(batch: StepBatch) -> list[Move]:
    step = batch.step
    assert isinstance(step, Exit)
    reason = step.reason or "EXIT_STEP"
    return [_exited(e, reason) for e in batch.enrollments]


def _exited(enrollment: Enrollment, reason: str) -> Move:
    return Move(enrollment.id, Outcome.EXITED, None, None, status=Status.EXITED, reason=reason)


async def run_branch(batch: StepBatch) -> list[Move]:
    """`yes` for the customers the step's segment filter matches now (one query for the
    batch), `no` for the others; all FILTER_UNAVAILABLE when the filter no longer compiles
    (a saved segment it names was deleted)."""
    step = batch.step
    assert isinstance(step, Branch)
    ids = sorted({e.customer_id for e in batch.enrollments})
    try:
        matched = set(await batch.runtime.narrow(batch.uow, step.filter, ids, batch.now))
    except DomainError as error:  # raised before any statement ran: the batch goes on
        return [filter_unavailable(e, error) for e in batch.enrollments]
    return [
        go_on(e, Outcome.YES, step.yes, batch.now)
        if e.customer_id in matched
        else go_on(e, Outcome.NO, step.no, batch.now)
        for e in batch.enrollments
    ]
