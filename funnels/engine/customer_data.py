"""The funnels' part of a customer's data: their enrollments, the steps run for them and
the goals they reached. An erasure ends their active enrollments (EXITED, reason ERASED:
no step runs for them again) and empties every enrollment's context (values steps left,
which may carry what a step read of the customer); the step runs and goals stay (the
funnels' statistics count them)."""

from __future__ import annotations

from sqlalchemy import case, func, literal, select, text, update

from domain.data_requests.parts import CustomerDataPart, Exported, rows_where
from domain.uow import UnitOfWork
from funnels.engine.models import Status
from funnels.engine.tables import funnel_enrollments, funnel_goals, funnel_step_runs

EXIT_ERASED = "ERASED"


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's enrollments, step runs and goals."""
    e = funnel_enrollments.c
    theirs = select(e.id).where(e.customer_id == customer_id)
    return {
        "funnel_enrollments": await rows_where(
            uow, funnel_enrollments, e.customer_id == customer_id
        ),
        "funnel_step_runs": await rows_where(
            uow, funnel_step_runs, funnel_step_runs.c.enrollment_id.in_(theirs)
        ),
        "funnel_goals": await rows_where(
            uow, funnel_goals, funnel_goals.c.customer_id == customer_id
        ),
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """End the customer's active enrollments and empty every enrollment's context."""
    e = funnel_enrollments.c
    active = e.status == Status.ACTIVE.value
    await uow.execute(
        update(funnel_enrollments)
        .where(e.customer_id == customer_id)
        .values(
            status=case((active, literal(Status.EXITED.value)), else_=e.status),
            exit_reason=case((active, literal(EXIT_ERASED)), else_=e.exit_reason),
            step_id=case((active, None), else_=e.step_id),
            due_at=case((active, None), else_=e.due_at),
            waiting=case((active, False), else_=e.waiting),
            finished_at=case((active, func.now()), else_=e.finished_at),
            context=text("'{}'::jsonb"),
            updated_at=func.now(),
        )
    )


PART = CustomerDataPart(
    "funnels", (funnel_enrollments, funnel_step_runs, funnel_goals), export, erase
)
