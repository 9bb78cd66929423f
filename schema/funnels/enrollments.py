"""A customer's funnel enrollments as GraphQL types, converted from domain objects at the edge.

Only what a customer's page shows of the funnel (its id and name): the funnel itself (its
definition and versions) is for those who manage funnels."""

from __future__ import annotations

from datetime import datetime

import strawberry

from funnels.engine.enrollments import CustomerEnrollment
from funnels.engine.models import Status
from schema.context import Info

FunnelEnrollmentStatusEnum = strawberry.enum(
    Status,
    name="FunnelEnrollmentStatus",
    description="ACTIVE (at a step, or waiting at one), COMPLETED (ran a step with nothing "
    "after it), EXITED (an exit step, the exit filter, or the funnel archived), FAILED (a step "
    "could not run for the customer).",
)


@strawberry.type(name="FunnelEnrollment", description="One entry of a customer into a funnel.")
class FunnelEnrollmentType:
    id: strawberry.ID
    funnel_id: strawberry.ID
    version: int = strawberry.field(description="The funnel's version the customer entered.")
    entry_no: int = strawberry.field(description="1 for the first entry into this funnel, ...")
    status: FunnelEnrollmentStatusEnum  # type: ignore[valid-type]
    step_id: str | None = strawberry.field(description="ACTIVE only: the step it stands at.")
    waiting: bool = strawberry.field(description="At a wait step, until its wake-up time.")
    reason: str | None = strawberry.field(
        description="EXITED or FAILED: why (EXIT_CONDITION, ARCHIVED, a step's failure code)."
    )
    entered_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, e: CustomerEnrollment) -> FunnelEnrollmentType:
        return cls(
            id=strawberry.ID(str(e.id)),
            funnel_id=strawberry.ID(str(e.funnel_id)),
            version=e.version,
            entry_no=e.entry_no,
            status=e.status,
            step_id=e.step_id,
            waiting=e.waiting,
            reason=e.reason,
            entered_at=e.entered_at,
            finished_at=e.finished_at,
        )

    @strawberry.field(description="The funnel's name now.")
    async def funnel_name(self, info: Info) -> str:
        found = await info.context.loaders.funnel.load(int(self.funnel_id))
        assert found is not None  # funnels are never deleted
        return found.name
