"""Badge inputs."""

from __future__ import annotations

import strawberry

from domain.badges.models import BadgeBasis
from schema.badges.types import BadgeBasisEnum


@strawberry.input(description="Held while minPoints <= points <= maxPoints (null: no top).")
class CreateBadgeInput:
    title: str
    min_points: int
    idempotency_key: str
    max_points: int | None = None
    basis: BadgeBasisEnum = BadgeBasis.BALANCE  # type: ignore[valid-type]
    description: str | None = None
    icon_url: str | None = strawberry.field(default=None, description="http:// or https://")
    active: bool = True


@strawberry.input(description="Fields left out stay as they are; null removes the top.")
class UpdateBadgeInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    icon_url: str | None = strawberry.UNSET
    basis: BadgeBasisEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    min_points: int | None = strawberry.UNSET
    max_points: int | None = strawberry.UNSET
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False deactivates it: every holder loses it."
    )
