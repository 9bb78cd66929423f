"""Movements of all customers, filtered, a page at a time or streamed whole (the CSV export).

Newest first: by created_at, then id, both in ix_ledger_entries_created_at_id, so a page
is a short walk of that index (of ix_ledger_entries_customer_id_id for one customer, of
ix_ledger_entries_kind_created_at for one kind) whatever the ledger's size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select, tuple_

from domain.customers.sql import members
from domain.errors import ErrorCode, Problems
from domain.ledger.kinds import EntryKind
from domain.ledger.models import LedgerEntry
from domain.ledger.queries import entries_select, entry_of
from domain.limits import MAX_POINTS_PER_OPERATION, MAX_TEXT_LENGTH
from domain.pagination import Page
from domain.reports.periods import Period, check_period
from domain.uow import UnitOfWork
from domain.validation import optional_text, parse_id

# The columns of the ledger's entries, as the ledger's query of them exports them.
_entry = entries_select().selected_columns


@dataclass(frozen=True)
class MovementFilter:
    """Every given criterion must match. The period is half-open (see periods.py); points
    bounds are inclusive and signed; `kinds` are EntryKind names; `source_type` is exact
    (purchase, order, voucher, reward, ledger_entry: what caused the entry); `reason` is
    looked for, ignoring case, in the entry's note (the reason staff gave)."""

    since: datetime | None = None
    until: datetime | None = None
    customer_id: str | None = None
    min_points: int | None = None
    max_points: int | None = None
    kinds: tuple[str, ...] = ()
    source_type: str | None = None
    reason: str | None = None


def _check(problems: Problems, wanted: MovementFilter) -> list[ColumnElement[bool]]:
    """The SQL conditions of a filter; a problem for each bad criterion."""
    c = _entry
    period = check_period(problems, Period(wanted.since, wanted.until), "filter.")
    conditions: list[ColumnElement[bool]] = []
    if period.since is not None:
        conditions.append(c.created_at >= period.since)
    if period.until is not None:
        conditions.append(c.created_at < period.until)
    if wanted.customer_id is not None:
        conditions.append(
            c.customer_id == parse_id(problems, "filter.customerId", wanted.customer_id)
        )
    # An entry moves at most MAX_POINTS_PER_OPERATION either way; a bound beyond that would
    # not fit the database's integer either.
    for bound, name in ((wanted.min_points, "minPoints"), (wanted.max_points, "maxPoints")):
        if bound is not None and abs(bound) > MAX_POINTS_PER_OPERATION:
            problems.add(
                f"filter.{name}",
                ErrorCode.OUT_OF_RANGE,
                f"{name} is between -{MAX_POINTS_PER_OPERATION} and {MAX_POINTS_PER_OPERATION}.",
            )
            return conditions  # the statement is never run: the problem is raised
    if wanted.min_points is not None:
        conditions.append(c.points >= wanted.min_points)
    if wanted.max_points is not None:
        conditions.append(c.points <= wanted.max_points)
    if (
        wanted.min_points is not None
        and wanted.max_points is not None
        and wanted.min_points > wanted.max_points
    ):
        problems.add("filter.maxPoints", ErrorCode.INVALID, "maxPoints is below minPoints.")
    known = {k.value for k in EntryKind}
    for i, kind in enumerate(wanted.kinds):
        if kind not in known:
            problems.add(f"filter.kinds.{i}", ErrorCode.INVALID, f"{kind[:40]!r} is not a kind.")
    if wanted.kinds:
        conditions.append(c.kind.in_(sorted(set(wanted.kinds))))
    source_type = optional_text(problems, "filter.sourceType", wanted.source_type)
    if source_type is not None:
        conditions.append(c.source_type == source_type)
    reason = optional_text(problems, "filter.reason", wanted.reason, MAX_TEXT_LENGTH)
    if reason is not None:
        conditions.append(c.note.ilike(f"%{_escape_like(reason)}%", escape="\\"))
    return conditions


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _newest_first(query: Select[Any]) -> Select[Any]:
    c = _entry
    return query.order_by(c.created_at.desc(), c.id.desc())


async def find_movements(
    uow: UnitOfWork, wanted: MovementFilter, limit: int, after_id: int | None = None
) -> Page[LedgerEntry]:
    """A page of the movements matching the filter, newest first, `limit` after the entry
    `after_id` (the previous page's last): one indexed query however large the ledger."""
    query = page_query(wanted, limit, after_id)
    async with uow:
        rows = await uow.execute(query)
        return Page.from_rows([entry_of(row) for row in rows], limit)


def page_query(wanted: MovementFilter, limit: int, after_id: int | None = None) -> Select[Any]:
    """The statement of find_movements (limit + 1 rows); DomainError for a bad filter."""
    problems = Problems()
    conditions = _check(problems, wanted)
    problems.raise_if_any()
    c = _entry
    if after_id is not None:
        after_time = select(c.created_at).where(c.id == after_id).scalar_subquery()
        conditions.append(tuple_(c.created_at, c.id) < tuple_(after_time, after_id))
    return _newest_first(entries_select().where(*conditions)).limit(limit + 1)


# The CSV export's columns, in order.
EXPORT_COLUMNS = (
    "id",
    "created_at",
    "customer_id",
    "customer_external_ref",
    "kind",
    "points",
    "balance_after",
    "note",
    "source_type",
    "source_ref",
    "actor",
    "reverses_entry_id",
)


def check_movement_filter(wanted: MovementFilter) -> None:
    """Raise the filter's problems (DomainError), if any, before an export starts."""
    problems = Problems()
    _check(problems, wanted)
    problems.raise_if_any()


async def export_movements(
    uow: UnitOfWork, wanted: MovementFilter
) -> AsyncIterator[tuple[Any, ...]]:
    """Every movement matching the filter as EXPORT_COLUMNS tuples, newest first, read
    through a server-side cursor a thousand rows at a time (the whole ledger never sits in
    memory). Check the filter first (check_movement_filter): a bad one raises here, after
    the response has started. The unit of work opens when iteration starts and closes when
    it ends or is abandoned."""
    problems = Problems()
    conditions = _check(problems, wanted)
    problems.raise_if_any()
    c, member = _entry, members()
    query = _newest_first(
        select(
            c.id,
            c.created_at,
            c.customer_id,
            member.c.external_ref,
            c.kind,
            c.points,
            c.balance_after,
            c.note,
            c.source_type,
            c.source_ref,
            c.actor,
            c.reverses_entry_id,
        )
        .join(member, member.c.id == c.customer_id)
        .where(*conditions)
    )
    async with uow:
        result = await uow.stream(query.execution_options(yield_per=1000))
        async for row in result:
            yield tuple(row)
