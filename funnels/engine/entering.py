"""Customers entering a funnel, set-based: a million customers of a segment are one
statement, as are the customers of a batch of events.

Each candidate passes the funnel's re-entry rule under its `funnel_members` row's lock
(INSERT ... ON CONFLICT DO UPDATE ... WHERE rule): two entries of the same customer at once
(two events, a campaign beside an event) queue on that row, and the second sees what the
first wrote. Those admitted get an enrollment at the funnel's start step, due at once.

Re-entry rules:
- ONCE: a customer enters at most once, ever;
- ONCE_PER_PERIOD: again once the period has passed since the last entry, and only when not
  inside still (an enrollment of a long funnel is not doubled);
- WHEN_NOT_INSIDE: again whenever the last enrollment has finished."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Select,
    and_,
    false,
    func,
    literal,
    not_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert

from domain.customers.sql import existing_customers
from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.models import Status
from funnels.engine.tables import funnel_enrollments, funnel_members


@dataclass(frozen=True)
class EntryRule:
    reentry: Reentry
    period: timedelta | None = None

    def admits_again(self, now: datetime) -> ColumnElement[bool]:
        """The condition on the member's existing row to let the customer in again."""
        m = funnel_members.c
        if self.reentry is Reentry.ONCE:
            return false()
        if self.reentry is Reentry.WHEN_NOT_INSIDE:
            return not_(m.inside)
        assert self.period is not None
        return and_(not_(m.inside), m.last_entered_at <= now - self.period)


@dataclass(frozen=True)
class Door:
    """Where entering customers go: the funnel, the version they follow, its start step."""

    funnel_id: int
    version: int
    start: str
    rule: EntryRule


async def enter_ids(uow: UnitOfWork, door: Door, customer_ids: Sequence[int], now: datetime) -> int:
    """Enter these customers (ids that are no customer are passed over); how many entered.
    Runs in the open unit of work."""
    return await enter_selected(uow, door, existing_customers(customer_ids), now)


async def enter_selected(
    uow: UnitOfWork, door: Door, selection: Select[tuple[int]], now: datetime
) -> int:
    """Enter the customers a query selects (its one column: customer ids; a segment's
    compiled filter), in one statement; how many entered (a count, not their rows: a
    million customers are one statement and one number)."""
    candidates = selection.subquery("candidates")
    ids = select(candidates.c[0].label("id")).distinct().subquery("distinct_candidates")
    m = funnel_members
    admitted = insert(m).from_select(
        ["funnel_id", "customer_id", "entries", "last_entered_at", "inside"],
        select(
            literal(door.funnel_id, BigInteger),
            ids.c.id,
            literal(1),
            literal(now, DateTime(timezone=True)),
            true(),
        ).order_by(ids.c.id),
    )
    admitted = admitted.on_conflict_do_update(
        index_elements=[m.c.funnel_id, m.c.customer_id],
        set_={
            "entries": m.c.entries + 1,
            "last_entered_at": admitted.excluded.last_entered_at,
            "inside": true(),
        },
        where=door.rule.admits_again(now),
    )
    admitted_cte = admitted.returning(m.c.customer_id, m.c.entries).cte("admitted")
    e = funnel_enrollments
    enroll = (
        insert(e)
        .from_select(
            [
                "funnel_id",
                "version",
                "customer_id",
                "entry_no",
                "status",
                "step_id",
                "due_at",
                "entered_at",
            ],
            select(
                literal(door.funnel_id, BigInteger),
                literal(door.version),
                admitted_cte.c.customer_id,
                admitted_cte.c.entries,
                literal(Status.ACTIVE.value),
                literal(door.start),
                literal(now, DateTime(timezone=True)),
                literal(now, DateTime(timezone=True)),
            ),
        )
        .returning(e.c.id)
        .cte("enrolled")
    )
    return int((await uow.execute(select(func.count()).select_from(enroll))).scalar_one())
