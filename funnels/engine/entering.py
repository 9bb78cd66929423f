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
    FromClause,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.exc import IntegrityError

from domain.customers.sql import existing_customers
from domain.uow import UnitOfWork, violated_constraint
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
    selection = existing_customers(sorted(set(customer_ids)))
    return await enter_selected(uow, door, selection, now, few=True)


async def enter_selected(
    uow: UnitOfWork, door: Door, selection: Select[tuple[int]], now: datetime, few: bool = False
) -> int:
    """Enter the customers a query selects (its one column: customer ids; a segment's
    compiled filter), in one statement; how many entered (a count, not their rows: a
    million customers are one statement and one number). `few`: the selection is a
    handful of customers (an event's), whose latest enrollments are probed one by one;
    otherwise the funnel's latest enrollments are read once and joined.

    The insert is a plain one first, in a savepoint: an entry racing it for the same
    customer (an event beside a campaign) makes it fail whole on the unique entry number,
    and it runs again passing over the rows taken (ON CONFLICT DO NOTHING, which costs
    half as much again on every row, so only then)."""
    try:
        async with uow.connection.begin_nested():
            return await _insert(uow, _rows(door, selection, now, few), racing=False)
    except IntegrityError as error:
        if violated_constraint(error) != _ENTRY_NUMBER:
            raise
    return await _insert(uow, _rows(door, selection, now, few), racing=True)


_ENTRY_NUMBER = "uq_funnel_enrollments_funnel_id_customer_id_entry_no"
_COLUMNS = ["funnel_id", "version", "customer_id", "entry_no", "status", "step_id", "due_at",
            "entered_at"]  # fmt: skip


def _rows(door: Door, selection: Select[tuple[int]], now: datetime, few: bool) -> Select[Any]:
    """The enrollment rows of the customers the re-entry rule lets in, in customer order (so
    that two entries at once meet each other's rows in the same order)."""
    admitted = admissions(door.funnel_id, door.rule, selection, now, few).subquery("admitted")
    moment = literal(now, DateTime(timezone=True))
    return select(
        literal(door.funnel_id, BigInteger),
        literal(door.version),
        admitted.c.id,
        admitted.c.entry_no,
        literal(Status.ACTIVE.value),
        literal(door.start),
        moment,
        moment,
    ).order_by(admitted.c.id)


async def _insert(uow: UnitOfWork, rows: Select[Any], racing: bool) -> int:
    e = funnel_enrollments
    enroll = insert(e).from_select(_COLUMNS, rows)
    if racing:
        enroll = enroll.on_conflict_do_nothing(
            index_elements=[e.c.funnel_id, e.c.customer_id, e.c.entry_no]
        )
    # The statement's own row count: no RETURNING of a million ids to count them.
    return int((await uow.execute(enroll)).rowcount)  # type: ignore[attr-defined]


def admissions(
    funnel_id: int,
    rule: EntryRule,
    selection: Select[tuple[int]],
    now: datetime,
    few: bool = False,
) -> Select[tuple[int, int]]:
    """The customers of `selection` the re-entry rule lets into the funnel at `now`, each
    with the entry number they would get (`id`, `entry_no`): what entering inserts, and
    what the dry run (funnels.simulation) counts without inserting. A read. `few`: probe
    each customer's latest enrollment (a handful of customers); otherwise join the
    funnel's latest enrollments, read once."""
    # A selection names each customer once (a segment's query, or customers by id).
    candidates = selection.subquery("candidates")
    ids = select(candidates.c[0].label("id")).subquery("ids")
    e = funnel_enrollments
    latest: FromClause
    if few:
        latest = (
            select(e.c.entry_no, e.c.status, e.c.entered_at)
            .where(e.c.funnel_id == funnel_id, e.c.customer_id == ids.c.id)
            .order_by(e.c.entry_no.desc())
            .limit(1)
            .lateral("latest")
        )
        joined = ids.outerjoin(latest, true())
    else:
        latest = (
            select(e.c.customer_id, e.c.entry_no, e.c.status, e.c.entered_at)
            .where(e.c.funnel_id == funnel_id)
            .ext(distinct_on(e.c.customer_id))
            .order_by(e.c.customer_id, e.c.entry_no.desc())
            .subquery("latest")
        )
        joined = ids.outerjoin(latest, latest.c.customer_id == ids.c.id)
    return (
        select(ids.c.id, (func.coalesce(latest.c.entry_no, 0) + 1).label("entry_no"))
        .select_from(joined)
        .where(rule.admits(latest, now))
    )
