"""What the domain needs of saved segments, which the funnels layer owns: a gift schedule may
go only to the members of a saved segment (on top of its own filter), a price rule only to
the customers in one. The domain cannot import funnels, so the caller hands an
implementation in (funnels.segments.catalog.SavedSegments, wired by the API and the
workers); without one, a schedule or a rule naming a segment is refused at save, a
schedule is skipped at run and a rule does not apply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select

from domain.errors import DomainError
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class SegmentQueries:
    """Several segments' member queries at one moment: each name's query, or the error that
    keeps it from being evaluated (a saved filter that no longer compiles)."""

    queries: dict[str, Select[Any]] = field(default_factory=dict)
    refused: dict[str, DomainError] = field(default_factory=dict)


class SegmentCatalog(Protocol):
    async def exists(self, uow: UnitOfWork, name: str) -> bool:
        """Whether a saved segment has this name (in the open unit of work). A segment found
        is not deleted before the unit of work ends: a delete waits for it, then sees what
        it saved naming the segment (and refuses)."""

    async def members(self, uow: UnitOfWork, name: str, now: datetime) -> Select[Any]:
        """A query of the ids of the segment's customers at `now` (one SQL query, read in
        the open unit of work); DomainError when it cannot be evaluated."""

    async def members_of_each(
        self,
        uow: UnitOfWork,
        names: Sequence[str],
        now: datetime,
        customer_id: int | None = None,
    ) -> SegmentQueries:
        """members() of each name, the saved segments read once (in the open unit of work);
        a segment that cannot be evaluated is in `refused`, the others are still given.
        With `customer_id`, each query asks about that customer only (it selects them or
        nothing) and reads only their rows."""
