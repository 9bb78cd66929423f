"""Saved segments as gift schedules read them (domain.gifts.segments.SegmentCatalog): the
composition root and the API hand `SavedSegments()` to the gift services and runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from domain.uow import UnitOfWork
from funnels.segments.model import SegmentRef
from funnels.segments.preview import segment_query
from funnels.segments.tables import segments


class SavedSegments:
    """The saved segments of this database; funnel conditions inside them are refused
    (FUNNEL_ENGINE_REQUIRED) unless the funnel engine is given."""

    async def exists(self, uow: UnitOfWork, name: str) -> bool:
        query = select(segments.c.id).where(segments.c.name == name)
        return (await uow.execute(query)).first() is not None

    async def members(self, uow: UnitOfWork, name: str, now: datetime) -> Select[Any]:
        return await segment_query(uow, SegmentRef(name, "segment"), now, path="filter")
