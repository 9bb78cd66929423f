"""Saved segments as the domain reads them (domain.segments.SegmentCatalog): the composition
root and the API hand them (funnels.engine.conditions.saved_segments: with the engine's
funnel conditions) to the gift services and runs and to the price rules' services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from domain.errors import DomainError
from domain.segments import SegmentQueries
from domain.uow import UnitOfWork
from funnels.segments.compiler import FunnelConditions, compile_filter
from funnels.segments.model import SegmentRef
from funnels.segments.preview import segment_query
from funnels.segments.saved import read_saved
from funnels.segments.tables import segments


class SavedSegments:
    """The saved segments of this database. Funnel conditions inside them (inFunnel,
    goalReached) are answered by `funnels`, the engine's FunnelConditions
    (funnels.engine.conditions.saved_segments wires them); without it they are refused
    (FUNNEL_ENGINE_REQUIRED)."""

    def __init__(self, funnels: FunnelConditions | None = None) -> None:
        self.funnels = funnels

    async def exists(self, uow: UnitOfWork, name: str) -> bool:
        # FOR KEY SHARE: a delete (which locks the row first, saved.DeleteSegment) waits for
        # this unit of work, then finds the rule or schedule it saved naming the segment; a
        # save of the segment's filter (no key change) does not wait.
        query = select(segments.c.id).where(segments.c.name == name)
        found = await uow.execute(query.with_for_update(key_share=True))
        return found.first() is not None

    async def members(self, uow: UnitOfWork, name: str, now: datetime) -> Select[Any]:
        return await segment_query(
            uow, SegmentRef(name, "segment"), now, self.funnels, path="filter"
        )

    async def members_of_each(
        self,
        uow: UnitOfWork,
        names: Sequence[str],
        now: datetime,
        customer_id: int | None = None,
    ) -> SegmentQueries:
        if not names:
            return SegmentQueries()
        try:
            saved = await read_saved(uow)
        except DomainError as error:  # a saved filter that no longer checks: none compiles
            return SegmentQueries(refused={name: error for name in names})
        queries: dict[str, Select[Any]] = {}
        refused: dict[str, DomainError] = {}
        for name in dict.fromkeys(names):
            try:
                ref = SegmentRef(name, "segment")
                queries[name] = compile_filter(
                    ref, now, saved=saved, funnels=self.funnels, path="", customer_id=customer_id
                )
            except DomainError as error:
                refused[name] = error
        return SegmentQueries(queries, refused)
