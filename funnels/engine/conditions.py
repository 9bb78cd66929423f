"""The segment conditions on the engine's own tables (funnels.segments' FunnelConditions):
`inFunnel` (an ACTIVE enrollment in the funnel of that name) and `goalReached` (a goal of
that funnel converted, at or after `since` when given); and the saved segments the API, the
workers and the CLI hand the gift and price-rule services, whose funnel conditions these
answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, select

from funnels.definitions.queries import funnel_id_named
from funnels.engine.models import Status
from funnels.engine.tables import funnel_enrollments, funnel_goals
from funnels.segments.catalog import SavedSegments


class EngineConditions:
    def in_funnel(
        self, customer_id: ColumnElement[int], funnel: str, now: datetime
    ) -> ColumnElement[bool]:
        e = funnel_enrollments.c
        return exists(
            select(e.id).where(
                e.customer_id == customer_id,
                e.funnel_id == funnel_id_named(funnel),
                e.status == Status.ACTIVE.value,
            )
        )

    def goal_reached(
        self,
        customer_id: ColumnElement[int],
        funnel: str,
        goal: str | None,
        since: ColumnElement[datetime] | None,
        now: datetime,
    ) -> ColumnElement[bool]:
        g = funnel_goals.c
        conditions = [
            g.customer_id == customer_id,
            g.funnel_id == funnel_id_named(funnel),
            g.converted_at.is_not(None),
            g.converted_at <= now,
        ]
        if goal is not None:
            conditions.append(g.goal == goal)
        if since is not None:
            conditions.append(g.converted_at >= since)
        return exists(select(g.enrollment_id).where(and_(*conditions)))


def saved_segments() -> SavedSegments:
    """Saved segments whose funnel conditions the engine's tables answer: a gift schedule or
    a price rule may name a segment of the customers in a funnel, or who reached its goal."""
    return SavedSegments(EngineConditions())
