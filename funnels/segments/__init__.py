"""Segment filters: composable conditions on customers, written as JSON by marketers, checked
with every problem's JSON path, compiled to one SQL query evaluated by PostgreSQL, and
saved under a name for reuse (docs/segments.md)."""

from __future__ import annotations

from funnels.segments.checking import check_filter
from funnels.segments.compiler import FunnelConditions, compile_filter
from funnels.segments.model import SegmentFilter
from funnels.segments.preview import (
    CostClass,
    SegmentPreview,
    count_query,
    estimated_cost,
    preview_segment,
    segment_query,
)
from funnels.segments.references import check_filter_references
from funnels.segments.saved import (
    SavedSegment,
    SegmentSaved,
    delete_segment,
    get_segment,
    list_segments,
    load_saved,
    save_segment,
)

__all__ = [
    "CostClass",
    "FunnelConditions",
    "SavedSegment",
    "SegmentFilter",
    "SegmentPreview",
    "SegmentSaved",
    "check_filter",
    "check_filter_references",
    "compile_filter",
    "count_query",
    "delete_segment",
    "estimated_cost",
    "get_segment",
    "list_segments",
    "load_saved",
    "preview_segment",
    "save_segment",
    "segment_query",
]
