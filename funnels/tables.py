"""Imports every funnels table so that the shared `metadata` is complete (Alembic and tests;
domain/tables.py gathers the domain's, which may not import this package)."""

from __future__ import annotations

from domain.metadata import metadata
from funnels.definitions.tables import funnel_versions, funnels
from funnels.engine.tables import (
    funnel_enrollments,
    funnel_entry_ticks,
    funnel_goals,
    funnel_step_runs,
)
from funnels.segments.tables import segments

__all__ = [
    "funnel_enrollments",
    "funnel_entry_ticks",
    "funnel_goals",
    "funnel_step_runs",
    "funnel_versions",
    "funnels",
    "metadata",
    "segments",
]
