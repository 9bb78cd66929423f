"""A batch of enrollments at the same step of the same funnel version, and the moves every
step makes the same way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.customers.models import Customer
from domain.customers.repository import customers_by_id
from domain.errors import DomainError
from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.steps import Step
from funnels.engine.models import Enrollment, Move, Outcome, Status
from notifications.dispatch.composing import Shop

# Why an enrollment failed at a filter that no longer compiles (a branch's, or the funnel's
# exit filter): a saved segment it names was deleted, or no longer checks.
FILTER_UNAVAILABLE = "FILTER_UNAVAILABLE"

# Narrows customers to those a segment filter selects at `now` (funnels.segments' compiled
# filter, wired by the composition root): the ids of `ids` it matches.
Narrow = Callable[[UnitOfWork, object, Sequence[int], datetime], Awaitable[list[int]]]


@dataclass(frozen=True)
class Runtime:
    """What the steps need from outside the engine, given by the composition root: the
    shop (its name, currency and links, for messages) and the segment filters."""

    shop: Shop
    narrow: Narrow


@dataclass
class StepBatch:
    uow: UnitOfWork
    now: datetime
    runtime: Runtime
    definition: FunnelDefinition
    step: Step
    enrollments: Sequence[Enrollment]
    # Messages the batch queued, to be sent once it has committed.
    queued: list[int] = field(default_factory=list)
    _customers: dict[int, Customer] | None = field(default=None, repr=False)

    async def customers(self) -> dict[int, Customer]:
        """The batch's customers, read once (one query for the batch)."""
        if self._customers is None:
            ids = sorted({e.customer_id for e in self.enrollments})
            self._customers = await customers_by_id(self.uow, ids)
        return self._customers


def go_on(
    enrollment: Enrollment,
    outcome: Outcome,
    next_step: str | None,
    now: datetime,
    detail: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> Move:
    """The step ran; on to `next_step`, due now (it completes when there is none)."""
    if next_step is None:
        return Move(enrollment.id, outcome, None, None, status=Status.COMPLETED,
                    detail=detail, context=context or {})  # fmt: skip
    return Move(enrollment.id, outcome, next_step, now, detail=detail, context=context or {})


def filter_unavailable(enrollment: Enrollment, error: DomainError) -> Move:
    """The enrollment fails FILTER_UNAVAILABLE: a filter it needed raised `error` when
    compiled (its problems kept in the run's detail). Only the enrollments that need that
    filter fail; the batch and every other funnel go on."""
    problems = [{"field": p.field, "code": p.code.value, "message": p.message}
                for p in error.problems]  # fmt: skip
    return fail(enrollment, FILTER_UNAVAILABLE, {"problems": problems})


def fail(enrollment: Enrollment, reason: str, detail: dict[str, Any] | None = None) -> Move:
    """The step could not run for this customer: the enrollment ends FAILED with the reason
    (a run row records it)."""
    return Move(enrollment.id, Outcome.FAILED, None, None, status=Status.FAILED, reason=reason,
                detail=detail)  # fmt: skip
