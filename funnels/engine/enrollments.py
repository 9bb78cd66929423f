"""A customer's funnels: every enrollment of theirs, newest first, as a customer's 360 view
shows them (which funnel, which version, where it stands or how it ended)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain.pagination import Page, pages_per_owner
from domain.uow import UnitOfWork
from funnels.engine.models import Status
from funnels.engine.tables import funnel_enrollments


@dataclass(frozen=True)
class CustomerEnrollment:
    """One entry of a customer into a funnel (a customer may enter a funnel again, each
    entry numbered)."""

    id: int
    customer_id: int
    funnel_id: int
    version: int
    entry_no: int
    status: Status
    step_id: str | None  # where an ACTIVE enrollment stands; None once it ended
    waiting: bool
    reason: str | None  # why an EXITED or FAILED one ended
    entered_at: datetime
    finished_at: datetime | None


async def enrollments_of(
    uow: UnitOfWork, customer_ids: Sequence[int], limit: int, after_id: int | None = None
) -> dict[int, Page[CustomerEnrollment]]:
    """Several customers' enrollments, newest first, `limit` each after the enrollment
    `after_id`, in one query; in the open unit of work."""
    e = funnel_enrollments.c
    query = select(
        e.id,
        e.customer_id,
        e.funnel_id,
        e.version,
        e.entry_no,
        e.status,
        e.step_id,
        e.waiting,
        e.exit_reason,
        e.entered_at,
        e.finished_at,
    )
    found = await pages_per_owner(uow, customer_ids, query, e.customer_id, e.id, limit, after_id)
    return {
        cid: Page.from_rows([_enrollment(row) for row in rows], limit)
        for cid, rows in found.items()
    }


def _enrollment(row: Any) -> CustomerEnrollment:
    return CustomerEnrollment(
        id=row.id,
        customer_id=row.customer_id,
        funnel_id=row.funnel_id,
        version=row.version,
        entry_no=row.entry_no,
        status=Status(row.status),
        step_id=row.step_id,
        waiting=row.waiting,
        reason=row.exit_reason,
        entered_at=row.entered_at,
        finished_at=row.finished_at,
    )
