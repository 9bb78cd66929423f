"""What gift schedules need of saved segments, which the funnels layer owns: a gift may go
only to the members of a saved segment (on top of its own filter). The domain cannot import
funnels, so the caller hands an implementation in (funnels.segments.catalog.SavedSegments,
wired by the API and the workers); without one, a schedule naming a segment is refused at
save and skipped at run."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select

from domain.uow import UnitOfWork


class SegmentCatalog(Protocol):
    async def exists(self, uow: UnitOfWork, name: str) -> bool:
        """Whether a saved segment has this name (in the open unit of work)."""

    async def members(self, uow: UnitOfWork, name: str, now: datetime) -> Select[Any]:
        """A query of the ids of the segment's customers at `now` (one SQL query, read in
        the open unit of work); DomainError when it cannot be evaluated."""
