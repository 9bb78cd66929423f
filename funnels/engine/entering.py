"""Customers entering a funnel, set-based: a million customers of a segment are one
statement, as are the customers of a batch of events.

Each candidate's latest enrollment in the funnel (an index probe) decides whether the
re-entry rule lets the customer in; one who may enter gets the next entry number
(`entry_no`, 1 for a first entry) at the funnel's start step, due at once. Two entries of
the same customer at once (two events, a campaign beside an event) both ask for the same
entry number, and the unique (funnel, customer, entry number) lets only one in: the other
finds the row (committed, or committing: it waits for it) and enters nobody
(ON CONFLICT DO NOTHING). So no rule is ever broken by a race, with no row of its own to
lock.

Re-entry rules:
- ONCE: a customer enters at most once, ever;
- ONCE_PER_PERIOD: again once the period has passed since the last entry, and only when
  that enrollment has ended (a long funnel's enrollment is not doubled);
- WHEN_NOT_INSIDE: again whenever the last enrollment has ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert

from domain.customers.sql import existing_customers
from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.models import Status
from funnels.engine.tables import funnel_enrollments


@dataclass(frozen=True)
class EntryRule:
    reentry: Reentry
    period: timedelta | None = None

    def admits(self, latest: Any, now: datetime) -> ColumnElement[bool]:
        """The condition on the customer's latest enrollment (`latest`, NULLs when there is
        none) to let the customer in."""
        first_time = latest.c.entry_no.is_(None)
        if self.reentry is Reentry.ONCE:
            return first_time
        ended = latest.c.status != Status.ACTIVE.value
        if self.reentry is Reentry.WHEN_NOT_INSIDE:
            return or_(first_time, ended)
        assert self.period is not None
        return or_(first_time, and_(ended, latest.c.entered_at <= now - self.period))


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
    return await enter_selected(uow, door, existing_customers(sorted(set(customer_ids))), now)


async def enter_selected(
    uow: UnitOfWork, door: Door, selection: Select[tuple[int]], now: datetime
) -> int:
    """Enter the customers a query selects (its one column: customer ids; a segment's
    compiled filter), in one statement; how many entered (a count, not their rows: a
    million customers are one statement and one number)."""
    admitted = admissions(door.funnel_id, door.rule, selection, now).subquery("admitted")
    moment = literal(now, DateTime(timezone=True))
    rows = select(
        literal(door.funnel_id, BigInteger),
        literal(door.version),
        admitted.c.id,
        admitted.c.entry_no,
        literal(Status.ACTIVE.value),
        literal(door.start),
        moment,
        moment,
    ).order_by(admitted.c.id)
    e = funnel_enrollments
    columns = ["funnel_id", "version", "customer_id", "entry_no", "status", "step_id",
               "due_at", "entered_at"]  # fmt: skip
    enroll = (
        insert(e)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=[e.c.funnel_id, e.c.customer_id, e.c.entry_no])
        .returning(e.c.id)
        .cte("enrolled")
    )
    return int((await uow.execute(select(func.count()).select_from(enroll))).scalar_one())


def admissions(
    funnel_id: int, rule: EntryRule, selection: Select[tuple[int]], now: datetime
) -> Select[tuple[int, int]]:
    """The customers of `selection` the re-entry rule lets into the funnel at `now`, each
    with the entry number they would get (`id`, `entry_no`): what entering inserts, and
    what the dry run (funnels.simulation) counts without inserting. A read."""
    # A selection names each customer once (a segment's query, or customers by id).
    candidates = selection.subquery("candidates")
    ids = select(candidates.c[0].label("id")).subquery("ids")
    e = funnel_enrollments
    latest = (
        select(e.c.entry_no, e.c.status, e.c.entered_at)
        .where(e.c.funnel_id == funnel_id, e.c.customer_id == ids.c.id)
        .order_by(e.c.entry_no.desc())
        .limit(1)
        .lateral("latest")
    )
    return (
        select(ids.c.id, (func.coalesce(latest.c.entry_no, 0) + 1).label("entry_no"))
        .select_from(ids.outerjoin(latest, true()))
        .where(rule.admits(latest, now))
    )
