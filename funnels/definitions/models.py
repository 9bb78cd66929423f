"""Funnels as stored: their status, their versions, and what a save returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class FunnelStatus(StrEnum):
    DRAFT = "DRAFT"  # being built: nobody enters
    ACTIVE = "ACTIVE"  # customers enter and move on
    PAUSED = "PAUSED"  # nobody enters or moves on; those inside wait where they are
    ARCHIVED = "ARCHIVED"  # over for good: read-only, its enrollments exited


@dataclass(frozen=True)
class Funnel:
    id: int
    name: str
    status: FunnelStatus
    current_version: int
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str


@dataclass(frozen=True)
class FunnelVersion:
    """A saved version, never changed. `definition` is in the file format (a checked
    definition's `document()`); `migration` maps the previous version's step ids to this
    one's when the customers inside were moved onto it."""

    funnel_id: int
    version: int
    definition: dict[str, Any]
    migration: dict[str, str] | None
    actor: str
    created_at: datetime


@dataclass(frozen=True)
class Saved:
    """What a save did: `changed` False when the definition equalled the current version's
    (nothing written); `replayed` True when an earlier save with the same key did it."""

    funnel: Funnel
    version: FunnelVersion
    changed: bool = True
    replayed: bool = False


def funnel_of(row: Any) -> Funnel:
    return Funnel(
        id=row.id,
        name=row.name,
        status=FunnelStatus(row.status),
        current_version=row.current_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        updated_by=row.updated_by,
    )


def version_of(row: Any) -> FunnelVersion:
    return FunnelVersion(
        funnel_id=row.funnel_id,
        version=row.version,
        definition=row.definition,
        migration=row.migration,
        actor=row.actor,
        created_at=row.created_at,
    )
