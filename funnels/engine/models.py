"""An enrollment as the engine reads it, and what a step does to one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    ACTIVE = "ACTIVE"  # at a step, due at `due_at` (now, or a wait's wake-up time)
    COMPLETED = "COMPLETED"  # ran a step with nothing after it
    EXITED = "EXITED"  # left: an exit step, the exit condition, or the funnel archived
    FAILED = "FAILED"  # a step could not run for this customer (its reason kept)


# Why an enrollment left when its customer came to match the funnel's exit filter.
EXIT_CONDITION = "EXIT_CONDITION"


class Outcome(StrEnum):
    """What a step run did, as its run row records it."""

    DONE = "DONE"  # the step did its work (points posted, message queued, ...)
    WAITED = "WAITED"  # a wait ended at its time
    EVENT = "EVENT"  # a wait for an event ended by the event
    TIMED_OUT = "TIMED_OUT"  # a wait for an event ended by its timeout
    YES = "YES"  # a branch's filter matched
    NO = "NO"  # it did not
    PATH = "PATH"  # a random split sent it down a path (detail: which)
    EXITED = "EXITED"  # an exit step
    FAILED = "FAILED"  # the step could not run for this customer (detail: why)


@dataclass(frozen=True)
class Enrollment:
    id: int
    funnel_id: int
    version: int
    customer_id: int
    step_id: str
    step_seq: int
    waiting: bool
    due_at: datetime
    context: dict[str, Any]

    @property
    def run_key(self) -> str:
        """The key of the step run this enrollment is about to make: unique in the program,
        the same on every retry (the ledger's idempotency key, a message's dedupe key, a
        voucher's assignment key)."""
        return f"funnel-run:{self.id}:{self.step_seq}"


def enrollment_of(row: Any) -> Enrollment:
    return Enrollment(
        id=row.id,
        funnel_id=row.funnel_id,
        version=row.version,
        customer_id=row.customer_id,
        step_id=row.step_id,
        step_seq=row.step_seq,
        waiting=row.waiting,
        due_at=row.due_at,
        context=dict(row.context),
    )


@dataclass(frozen=True)
class Move:
    """What becomes of one enrollment at its step.

    - `ran`: the step ran (a run row is written with `outcome` and `detail`, and `step_seq`
      goes up by one); False for a wait that only starts waiting;
    - `next_step`: where it goes (None with status ACTIVE is impossible: it completes);
    - `due_at`: when its next step is due (a wait's wake-up time, else now);
    - `waiting`: true when it now waits at `next_step` until `due_at`;
    - `status` and `reason`: COMPLETED, EXITED or FAILED end it."""

    enrollment_id: int
    outcome: Outcome
    next_step: str | None
    due_at: datetime | None
    ran: bool = True
    waiting: bool = False
    status: Status = Status.ACTIVE
    reason: str | None = None
    detail: dict[str, Any] | None = None
    context: dict[str, Any] = field(default_factory=dict)
