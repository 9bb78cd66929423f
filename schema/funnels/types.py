"""Funnels and their versions as GraphQL types, converted from domain objects at the edge."""

from __future__ import annotations

from datetime import datetime

import strawberry

from funnels.definitions.models import Funnel, FunnelStatus, FunnelVersion
from schema.context import Info
from schema.errors import client_error
from schema.scalars import JSON

FunnelStatusType = strawberry.enum(
    FunnelStatus,
    name="FunnelStatus",
    description="DRAFT (nobody enters), ACTIVE, PAUSED (nobody enters or moves on), "
    "ARCHIVED (final).",
)


@strawberry.type(
    name="FunnelVersion",
    description="A saved version, never changed: customers stay on the version they entered.",
)
class FunnelVersionType:
    version: int
    definition: JSON = strawberry.field(
        description="The definition in its file format (docs/funnels.md), as saved."
    )
    migration: JSON | None = strawberry.field(
        description="{previous version's step id: this version's step id}, when the customers "
        "inside were moved onto this version."
    )
    actor: str
    created_at: datetime

    @classmethod
    def of(cls, v: FunnelVersion) -> FunnelVersionType:
        return cls(
            version=v.version,
            definition=v.definition,  # type: ignore[arg-type]
            migration=v.migration,  # type: ignore[arg-type]
            actor=v.actor,
            created_at=v.created_at,
        )


@strawberry.type(name="Funnel")
class FunnelType:
    id: strawberry.ID
    name: str
    status: FunnelStatusType  # type: ignore[valid-type]
    current_version: int
    created_at: datetime
    updated_at: datetime
    updated_by: str
    _funnel: strawberry.Private[Funnel]

    @classmethod
    def of(cls, f: Funnel) -> FunnelType:
        return cls(
            id=strawberry.ID(str(f.id)),
            name=f.name,
            status=f.status,
            current_version=f.current_version,
            created_at=f.created_at,
            updated_at=f.updated_at,
            updated_by=f.updated_by,
            _funnel=f,
        )

    @strawberry.field(description="Every version saved, newest first.")
    async def versions(self, info: Info) -> list[FunnelVersionType]:
        found = await info.context.loaders.funnel_versions.load(self._funnel.id)
        return [FunnelVersionType.of(v) for v in found]

    @strawberry.field(description="One version (the current one when `n` is null).")
    async def version(self, info: Info, n: int | None = None) -> FunnelVersionType | None:
        wanted = self._funnel.current_version if n is None else n
        if not 1 <= wanted <= self._funnel.current_version:
            if n is not None and n < 1:
                raise client_error("'n' must be 1 or more.", field="n")
            return None
        found = await info.context.loaders.funnel_versions.load(self._funnel.id)
        return next((FunnelVersionType.of(v) for v in found if v.version == wanted), None)
