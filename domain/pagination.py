"""Keyset pages: items after a known id, plus whether more follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, ColumnElement, Select, cast, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY

from domain.uow import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool

    @classmethod
    def from_rows(cls, rows: list[T], limit: int) -> Page[T]:
        """Rows fetched with LIMIT limit + 1: the extra row only tells that more follow."""
        return cls(items=rows[:limit], has_next=len(rows) > limit)


async def pages_per_owner(
    uow: UnitOfWork,
    owner_ids: Sequence[int],
    query: Select[Any],
    owner_column: ColumnElement[int],
    id_column: ColumnElement[int],
    limit: int,
    after_id: int | None = None,
) -> dict[int, list[Any]]:
    """A newest-first page of `query`'s rows for each owner, `limit` + 1 rows each (for
    Page.from_rows) after the row `after_id`, in one statement: a lateral join walks each
    owner's index for its own page. Keys are the owner ids, in the order given."""
    owner = select(func.unnest(cast(list(owner_ids), ARRAY(BigInteger))).label("id")).subquery(
        "owner"
    )
    conditions = [owner_column == owner.c.id]
    if after_id is not None:
        conditions.append(id_column < after_id)
    page = query.where(*conditions).order_by(id_column.desc()).limit(limit + 1).lateral("page")
    rows = await uow.execute(select(page).select_from(owner.join(page, true())))
    owner_key = str(owner_column.key)
    found: dict[int, list[Any]] = {owner_id: [] for owner_id in owner_ids}
    for row in rows:
        found[row._mapping[owner_key]].append(row)
    return found
