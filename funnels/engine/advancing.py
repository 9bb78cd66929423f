"""Moving due enrollments on, a batch at a time, in one transaction per batch.

A batch is the due enrollments of ACTIVE funnels, oldest due first, locked FOR UPDATE SKIP
LOCKED: two schedulers or workers at once take disjoint batches. Each group of the batch at
the same step of the same funnel version runs that step set-based (one ledger statement for
a points step, one insert of messages for a send step), then one statement records every
move (where each enrollment goes, when it is due) and one the runs (a row per step run,
keyed by enrollment and step number). The step's effects, the runs and the moves commit
together: a batch that fails or whose worker dies rolls back whole and is taken again, so
each step runs at most once per enrollment and position, and at least once.

A paused funnel's enrollments are not taken: pausing stops advancing after the batch in
flight; resuming continues where they stood."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from domain.commands import Command, run
from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
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
    Wait,
)
from funnels.engine.models import EXIT_CONDITION, Enrollment, Move, Outcome, Status, enrollment_of
from funnels.engine.steps.batch import Runtime, StepBatch, fail
from funnels.engine.steps.customers import run_set_attribute, run_set_category
from funnels.engine.steps.flow import (
    run_branch,
    run_exit,
    run_goal,
    run_random_split,
    run_wait,
)
from funnels.engine.steps.notices import run_notify_staff
from funnels.engine.steps.points import run_points
from funnels.engine.steps.sending import run_send
from funnels.engine.steps.vouchers import run_issue_voucher

DEFAULT_BATCH = 1000

# (funnel id, version) -> its definition: versions never change, so a process reads each once.
Definitions = Callable[
    [UnitOfWork, Sequence[tuple[int, int]]], Awaitable[dict[tuple[int, int], FunnelDefinition]]
]
Runner = Callable[[StepBatch], Awaitable[list[Move]]]

RUNNERS: dict[type, Runner] = {
    Wait: run_wait,
    Branch: run_branch,
    RandomSplit: run_random_split,
    Goal: run_goal,
    Exit: run_exit,
    SendMessage: run_send,
    ChangePoints: run_points,
    IssueVoucher: run_issue_voucher,
    SetCategory: run_set_category,
    SetAttribute: run_set_attribute,
    NotifyStaff: run_notify_staff,
}

_TAKE = text("""
    SELECT id, funnel_id, version, customer_id, step_id, step_seq, waiting, due_at, context
      FROM funnel_enrollments
     WHERE status = 'ACTIVE' AND due_at <= :now AND funnel_id = ANY(CAST(:funnel_ids AS bigint[]))
     ORDER BY due_at, id
     LIMIT :limit
       FOR UPDATE SKIP LOCKED
""")

_MOVE = text("""
    UPDATE funnel_enrollments e SET
        step_id = m.next_step,
        due_at = m.due_at,
        waiting = m.waiting,
        status = m.status,
        exit_reason = m.reason,
        step_seq = e.step_seq + CASE WHEN m.ran THEN 1 ELSE 0 END,
        context = e.context || CAST(m.context AS jsonb),
        updated_at = CAST(:now AS timestamptz),
        finished_at = CASE WHEN m.status = 'ACTIVE' THEN NULL
                           ELSE CAST(:now AS timestamptz) END
      FROM unnest(
        CAST(:ids AS bigint[]), CAST(:next_steps AS text[]), CAST(:due_ats AS timestamptz[]),
        CAST(:waitings AS boolean[]), CAST(:statuses AS text[]), CAST(:reasons AS text[]),
        CAST(:rans AS boolean[]), CAST(:contexts AS text[])
      ) AS m(id, next_step, due_at, waiting, status, reason, ran, context)
     WHERE e.id = m.id
""")

_RUNS = text("""
    INSERT INTO funnel_step_runs (enrollment_id, seq, funnel_id, version, step_id, outcome,
                                  detail, ran_at)
    SELECT r.enrollment_id, r.seq, r.funnel_id, r.version, r.step_id, r.outcome,
           CAST(r.detail AS jsonb), CAST(:now AS timestamptz)
      FROM unnest(
        CAST(:enrollment_ids AS bigint[]), CAST(:seqs AS integer[]),
        CAST(:funnel_ids AS bigint[]), CAST(:versions AS integer[]),
        CAST(:step_ids AS text[]), CAST(:outcomes AS text[]), CAST(:details AS text[])
      ) AS r(enrollment_id, seq, funnel_id, version, step_id, outcome, detail)
""")


@dataclass(frozen=True)
class Advanced:
    """What one batch did: enrollments taken, step runs made, enrollments that ended, and
    the messages its send steps queued (to send once it has committed)."""

    taken: int
    ran: int
    ended: int
    message_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class AdvanceBatch(Command[Advanced]):
    active_funnels: tuple[int, ...]
    definitions: Definitions
    runtime: Runtime
    now: datetime
    limit: int = DEFAULT_BATCH

    async def handle(self, uow: UnitOfWork) -> Advanced:
        rows = await uow.execute(_TAKE, {"now": self.now, "funnel_ids": list(self.active_funnels),
                                         "limit": self.limit})  # fmt: skip
        taken = [enrollment_of(row) for row in rows]
        if not taken:
            return Advanced(0, 0, 0)
        known = await self.definitions(uow, sorted({(e.funnel_id, e.version) for e in taken}))
        groups: dict[tuple[int, int, str], list[Enrollment]] = defaultdict(list)
        for enrollment in taken:
            groups[(enrollment.funnel_id, enrollment.version, enrollment.step_id)].append(
                enrollment
            )
        moves: list[Move] = []
        queued: list[int] = []
        for (funnel_id, version, step_id), enrollments in sorted(groups.items()):
            definition = known.get((funnel_id, version))
            step = definition.step(step_id) if definition is not None else None
            if definition is None or step is None:
                moves.extend(fail(e, "STEP_UNKNOWN", {"step": step_id}) for e in enrollments)
                continue
            leaving = await _leaving(uow, self.runtime, definition, enrollments, self.now)
            moves.extend(_exited(e, EXIT_CONDITION) for e in enrollments if e.id in leaving)
            staying = [e for e in enrollments if e.id not in leaving]
            if not staying:
                continue
            batch = StepBatch(uow, self.now, self.runtime, definition, step, staying)
            moves.extend(await run_step(batch))
            queued.extend(batch.queued)
        await record_moves(uow, taken, moves, self.now)
        ended = sum(1 for m in moves if m.status is not Status.ACTIVE)
        ran = sum(1 for m in moves if m.ran)
        return Advanced(len(taken), ran, ended, tuple(sorted(queued)))


async def _leaving(
    uow: UnitOfWork,
    runtime: Runtime,
    definition: FunnelDefinition,
    enrollments: Sequence[Enrollment],
    now: datetime,
) -> set[int]:
    """The enrollments whose customers match the funnel's exit filter now: they leave
    before their step runs (one query for the group)."""
    if definition.exit is None or definition.exit.filter is None:
        return set()
    ids = sorted({e.customer_id for e in enrollments})
    matched = set(await runtime.narrow(uow, definition.exit.filter, ids, now))
    return {e.id for e in enrollments if e.customer_id in matched}


def _exited(enrollment: Enrollment, reason: str) -> Move:
    return Move(enrollment.id, Outcome.EXITED, None, None, ran=False, status=Status.EXITED,
                reason=reason)  # fmt: skip


async def run_step(batch: StepBatch) -> list[Move]:
    runner = RUNNERS.get(type(batch.step))
    if runner is None:
        return [fail(e, "STEP_NOT_RUN", {"type": str(getattr(batch.step, "type", ""))})
                for e in batch.enrollments]  # fmt: skip
    moves = await runner(batch)
    if len(moves) != len(batch.enrollments):
        raise AssertionError(f"step {batch.step.id} moved {len(moves)} of {len(batch.enrollments)}")
    return moves


async def advance_due(
    uow: UnitOfWork,
    active_funnels: Sequence[int],
    definitions: Definitions,
    runtime: Runtime,
    now: datetime,
    limit: int = DEFAULT_BATCH,
) -> Advanced:
    """One batch of due enrollments moved on, in its own transaction."""
    if not active_funnels:
        return Advanced(0, 0, 0)
    return await run(uow, AdvanceBatch(tuple(active_funnels), definitions, runtime, now, limit))


async def record_moves(
    uow: UnitOfWork, taken: Sequence[Enrollment], moves: Sequence[Move], now: datetime
) -> None:
    """Record each move of these (locked) enrollments: where each goes, and the runs of the
    steps that ran. Two statements whatever the number."""
    by_id = {e.id: e for e in taken}
    await uow.execute(
        _MOVE,
        {
            "now": now,
            "ids": [m.enrollment_id for m in moves],
            "next_steps": [m.next_step for m in moves],
            "due_ats": [m.due_at for m in moves],
            "waitings": [m.waiting for m in moves],
            "statuses": [m.status.value for m in moves],
            "reasons": [m.reason for m in moves],
            "rans": [m.ran for m in moves],
            "contexts": [json.dumps(m.context) for m in moves],
        },
    )
    ran = [m for m in moves if m.ran]
    if ran:
        await uow.execute(
            _RUNS,
            {
                "now": now,
                "enrollment_ids": [m.enrollment_id for m in ran],
                "seqs": [by_id[m.enrollment_id].step_seq for m in ran],
                "funnel_ids": [by_id[m.enrollment_id].funnel_id for m in ran],
                "versions": [by_id[m.enrollment_id].version for m in ran],
                "step_ids": [by_id[m.enrollment_id].step_id for m in ran],
                "outcomes": [m.outcome.value for m in ran],
                "details": [None if m.detail is None else json.dumps(m.detail) for m in ran],
            },
        )
