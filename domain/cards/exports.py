"""A series' cards as rows for a card printer (the CSV export), and the checks before it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Select, func, select

from domain.cards import repository as repo
from domain.cards.models import CardSeries
from domain.cards.tables import card_series, cards
from domain.customers.sql import names
from domain.errors import DomainError, ErrorCode, Problems
from domain.uow import UnitOfWork
from domain.validation import parse_id

EXPORT_COLUMNS = (
    "code",
    "series",
    "type",
    "status",
    "primary",
    "customer_name",
    "customer_external_ref",
    "issued_at",
)


async def require_series(uow: UnitOfWork, raw_id: str) -> CardSeries:
    """The series with this API id; NOT_FOUND (or INVALID) on seriesId otherwise."""
    problems = Problems()
    series_id = parse_id(problems, "seriesId", raw_id)
    problems.raise_if_any()
    async with uow:
        found = await repo.series_by_id(uow, series_id)
    if found is None:
        raise DomainError.one("seriesId", ErrorCode.NOT_FOUND, "No such card series.")
    return found


def _export_query(series_id: int) -> Select[Any]:
    holder = names()
    return (
        select(
            cards.c.code,
            card_series.c.name,
            cards.c.type,
            cards.c.status,
            cards.c.is_primary,
            func.concat_ws(" ", holder.c.first_name, holder.c.last_name),
            holder.c.external_ref,
            cards.c.issued_at,
        )
        .join(card_series, card_series.c.id == cards.c.series_id)
        .join(holder, holder.c.id == cards.c.customer_id)
        .where(cards.c.series_id == series_id)
        .order_by(cards.c.id)
    )


async def export_series_cards(uow: UnitOfWork, series_id: int) -> AsyncIterator[tuple[Any, ...]]:
    """A series' cards (every status, in issue order) as EXPORT_COLUMNS tuples, read
    through a server-side cursor a thousand rows at a time; the unit of work opens when
    iteration starts and closes when it ends or is abandoned."""
    async with uow:
        result = await uow.stream(_export_query(series_id).execution_options(yield_per=1000))
        async for row in result:
            yield tuple(row)
