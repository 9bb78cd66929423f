"""Moving due enrollments on, a batch at a time, in one transaction per batch.

A batch is the due enrollments of ACTIVE funnels, oldest due first, locked FOR UPDATE SKIP
LOCKED: two schedulers or workers at once take disjoint batches. Each group of the batch at
the same step of the same funnel version runs that step set-based (one ledger statement for
a points step, one insert of messages for a send step); the enrollments that go on to a
step due at once run it in the same batch (a Chain), until each waits or ends. Then one
statement records where each enrollment stands (when it is due) and one the runs (a row
per step run, keyed by enrollment and step number). The steps' effects, the runs and the
moves commit together: a batch that fails or whose worker dies rolls back whole and is
taken again, so each step runs at most once per enrollment and position, and at least once.

A paused or archived funnel's enrollments are not taken: each take reads the funnels'
status again, so pausing stops advancing after the batch in flight, even in a run that read
the ACTIVE funnels before the pause; resuming continues where they stood."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text

from domain.commands import Command, run
from domain.errors import DomainError
from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.sql import ACTIVE_FUNNEL_IDS
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
from funnels.engine.steps.batch import Runtime, StepBatch, fail, filter_unavailable
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
# Steps one enrollment may run in one batch (a definition's cycles all hold a wait, so a
# chain ends sooner; this only bounds a batch's transaction).
MAX_CHAIN = 50

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

# The enrollments due at :now in the funnels :funnel_ids (ix_funnel_enrollments_due).
_DUE = "status = 'ACTIVE' AND due_at <= :now AND funnel_id = ANY(CAST(:funnel_ids AS bigint[]))"

# The funnel's status is read again by every take, not only from the caller's list: a
# funnel paused or archived while the engine works through its backlog stops after the batch
# in flight (the list was read at the start of the run).
_TAKE = text(f"""
    SELECT id, funnel_id, version, customer_id, step_id, step_seq, waiting, due_at, context
      FROM funnel_enrollments
     WHERE {_DUE} AND funnel_id IN ({ACTIVE_FUNNEL_IDS})
     ORDER BY due_at, id
     LIMIT :limit
       FOR UPDATE SKIP LOCKED
""")

_DUE_AT_LEAST = text(f"""
    SELECT count(*) >= :enough
      FROM (SELECT 1 FROM funnel_enrollments WHERE {_DUE} LIMIT :enough) due
""")

_MOVE = text("""
    UPDATE funnel_enrollments e SET
        step_id = m.next_step,
        due_at = m.due_at,
        waiting = m.waiting,
        status = m.status,
        exit_reason = m.reason,
        step_seq = m.seq,
        context = CAST(m.context AS jsonb),
        updated_at = CAST(:now AS timestamptz),
        finished_at = CASE WHEN m.status = 'ACTIVE' THEN NULL
                           ELSE CAST(:now AS timestamptz) END
      FROM unnest(
        CAST(:ids AS bigint[]), CAST(:next_steps AS text[]), CAST(:due_ats AS timestamptz[]),
        CAST(:waitings AS boolean[]), CAST(:statuses AS text[]), CAST(:reasons AS text[]),
        CAST(:seqs AS integer[]), CAST(:contexts AS text[])
      ) AS m(id, next_step, due_at, waiting, status, reason, seq, context)
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
        chain = Chain(self.now)
        queued: list[int] = []
        pending = taken
        for _ in range(MAX_CHAIN):
            if not pending:
                break
            pending = await self._run_steps(uow, known, chain, pending, queued)
        await record_moves(uow, chain, self.now)
        moves = chain.last.values()
        ended = sum(1 for m in moves if m.status is not Status.ACTIVE)
        return Advanced(len(taken), len(chain.runs), ended, tuple(sorted(queued)))

    async def _run_steps(
        self,
        uow: UnitOfWork,
        known: dict[tuple[int, int], FunnelDefinition],
        chain: Chain,
        enrollments: Sequence[Enrollment],
        queued: list[int],
    ) -> list[Enrollment]:
        """Run the step each of these enrollments is at (grouped by funnel version and step);
        the enrollments that went on to a step due now, at that step."""
        groups: dict[tuple[int, int, str], list[Enrollment]] = defaultdict(list)
        for enrollment in enrollments:
            groups[(enrollment.funnel_id, enrollment.version, enrollment.step_id)].append(
                enrollment
            )
        going_on: list[Enrollment] = []
        for (funnel_id, version, step_id), group in sorted(groups.items()):
            definition = known.get((funnel_id, version))
            step = definition.step(step_id) if definition is not None else None
            if definition is None or step is None:
                for e in group:
                    chain.record(e, fail(e, "STEP_UNKNOWN", {"step": step_id}))
                continue
            try:
                leaving = await _leaving(uow, self.runtime, definition, group, self.now)
            except DomainError as error:  # the exit filter no longer compiles
                for e in group:
                    chain.record(e, filter_unavailable(e, error))
                continue
            for e in group:
                if e.id in leaving:
                    chain.record(e, _exited(e, EXIT_CONDITION))
            staying = [e for e in group if e.id not in leaving]
            if not staying:
                continue
            batch = StepBatch(uow, self.now, self.runtime, definition, step, staying)
            by_id = {e.id: e for e in staying}
            for move in await run_step(batch):
                after = chain.record(by_id[move.enrollment_id], move)
                if after is not None:
                    going_on.append(after)
            queued.extend(batch.queued)
        return going_on


@dataclass
class Chain:
    """What a batch did to its enrollments, step after step: the steps that follow one
    another with no wait run in the same batch (one transaction), so an enrollment's row is
    written once a batch however many steps it ran (a three-step campaign: one take, one
    update and one insert of three runs per customer, not three of each).

    `last`: each enrollment's latest move; `state`: where it stands after it (step, the
    number of its next run, context); `runs`: each step run, with the enrollment as it
    stood when the step ran (its number keys the run). A chain stops at a wait, at the end,
    or after MAX_CHAIN steps (the rest is due now: the next batch goes on)."""

    now: datetime
    last: dict[int, Move] = field(default_factory=dict)
    state: dict[int, Enrollment] = field(default_factory=dict)
    runs: list[tuple[Enrollment, Move]] = field(default_factory=list)

    def record(self, at: Enrollment, move: Move) -> Enrollment | None:
        """Record a move of `at`; the enrollment at its next step when that step is due
        now (the chain goes on), else None."""
        self.last[at.id] = move
        if move.ran:
            self.runs.append((at, move))
        after = Enrollment(  # made whole: dataclasses.replace costs three times as much
            at.id,
            at.funnel_id,
            at.version,
            at.customer_id,
            step_id=move.next_step if move.next_step is not None else at.step_id,
            step_seq=at.step_seq + (1 if move.ran else 0),
            waiting=move.waiting,
            due_at=move.due_at if move.due_at is not None else at.due_at,
            context={**at.context, **move.context} if move.context else at.context,
        )
        self.state[at.id] = after
        goes_on = (
            move.ran
            and move.status is Status.ACTIVE
            and not move.waiting
            and move.next_step is not None
            and move.due_at is not None
            and move.due_at <= self.now
        )
        return after if goes_on else None


async def _leaving(
    uow: UnitOfWork,
    runtime: Runtime,
    definition: FunnelDefinition,
    enrollments: Sequence[Enrollment],
    now: datetime,
) -> set[int]:
    """The enrollments whose customers match the funnel's exit filter now: they leave
    before their step runs (one query for the group). Raises the compiler's DomainError
    when the filter no longer compiles (before any statement ran)."""
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


async def due_at_least(
    uow: UnitOfWork, active_funnels: Sequence[int], now: datetime, enough: int
) -> bool:
    """Whether at least `enough` enrollments of the funnels are due at `now` (counted up to
    `enough`, not all of them)."""
    found = await uow.execute(
        _DUE_AT_LEAST, {"funnel_ids": list(active_funnels), "now": now, "enough": enough}
    )
    return bool(found.scalar_one())


async def record_moves(uow: UnitOfWork, chain: Chain, now: datetime) -> None:
    """Write what the chain did to its (locked) enrollments: where each now stands, and a
    row for every step run. Two statements whatever the number of enrollments and steps."""
    ids = sorted(chain.last)
    moves = [chain.last[i] for i in ids]
    states = [chain.state[i] for i in ids]
    await uow.execute(
        _MOVE,
        {
            "now": now,
            "ids": ids,
            "next_steps": [m.next_step for m in moves],
            "due_ats": [m.due_at for m in moves],
            "waitings": [m.waiting for m in moves],
            "statuses": [m.status.value for m in moves],
            "reasons": [m.reason for m in moves],
            "seqs": [s.step_seq for s in states],
            "contexts": [_json(s.context) for s in states],
        },
    )
    if chain.runs:
        at = [e for e, _ in chain.runs]
        ran = [m for _, m in chain.runs]
        await uow.execute(
            _RUNS,
            {
                "now": now,
                "enrollment_ids": [e.id for e in at],
                "seqs": [e.step_seq for e in at],
                "funnel_ids": [e.funnel_id for e in at],
                "versions": [e.version for e in at],
                "step_ids": [e.step_id for e in at],
                "outcomes": [m.outcome.value for m in ran],
                "details": [None if m.detail is None else _json(m.detail) for m in ran],
            },
        )


def _json(value: dict[str, Any]) -> str:
    """A context or a detail as JSON text (orjson: a tenth of json.dumps's time; keys that
    are not strings become strings, as json.dumps makes them)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
