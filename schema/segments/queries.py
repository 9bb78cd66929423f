"""Segments: previewing a filter, reading saved segments."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError, ErrorCode
from funnels.engine.conditions import EngineConditions
from funnels.segments import get_segment, list_segments, preview_segment
from funnels.segments.preview import MAX_SAMPLE
from schema.context import Info
from schema.errors import payload_on_error
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires
from schema.scalars import JSON
from schema.segments.types import SegmentPreviewType, SegmentType


@strawberry.type
class SegmentQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_FUNNELS)],
        description="How many customers a filter (docs/segments.md) matches now, the first "
        f"`first` of them (0 to {MAX_SAMPLE}) and the query's cost class; a bad filter is "
        "answered with userErrors whose field is the JSON path (filter.all[1].balance.gte).",
    )
    @payload_on_error(SegmentPreviewType)
    async def segment_preview(
        self, info: Info, filter: JSON, first: int = 10
    ) -> SegmentPreviewType:
        if not 0 <= first <= MAX_SAMPLE:
            raise DomainError.one("first", ErrorCode.OUT_OF_RANGE, f"0 to {MAX_SAMPLE}.")
        preview = await preview_segment(
            info.context.new_uow(), filter, datetime.now(UTC), first, EngineConditions()
        )
        return SegmentPreviewType.of(preview)

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_FUNNELS)],
        description="Saved segments in the order they were made.",
    )
    async def segments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[SegmentType]:
        limit = page_size(first, info.context.max_page_size)
        page = await list_segments(info.context.new_uow(), limit, decode_cursor("Segment", after))
        return connection([SegmentType.of(s) for s in page.items], page.has_next, "Segment")

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_FUNNELS)],
        description="The saved segment of that name; null when there is none.",
    )
    async def segment(self, info: Info, name: str) -> SegmentType | None:
        found = await get_segment(info.context.new_uow(), name)
        return SegmentType.of(found) if found is not None else None
