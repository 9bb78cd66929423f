"""Badge queries and mutations."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.badges import services
from domain.badges.models import BadgeBasis, BadgeSpec
from domain.badges.services import BadgeChange
from schema.badges.types import BadgeBasisEnum, BadgeType
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.permissions import requires


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


@strawberry.type
class BadgePayload:
    badge: BadgeType | None = None
    unlocked_count: int = strawberry.field(
        default=0,
        description="Customers who unlocked it because of this change, so far: all of them "
        "when badge.resync.status is DONE, else the re-sync goes on in a worker.",
    )
    lost_count: int = strawberry.field(
        default=0,
        description="Customers who lost it because of this change, so far (as unlockedCount).",
    )
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, change: BadgeChange) -> BadgePayload:
        return cls(
            badge=BadgeType.of(change.badge),
            unlocked_count=change.unlocked,
            lost_count=change.lost,
            replayed=change.replayed,
        )


@strawberry.type
class BadgeQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="Every badge, by basis then from the lowest range up.",
    )
    async def badges(self, info: Info, active_only: bool = False) -> list[BadgeType]:
        found = await services.list_badges(info.context.new_uow(), active_only)
        return [BadgeType.of(b) for b in found]


@strawberry.type
class BadgeMutations:
    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)],
        description="Customers already in its range unlock it: at once, or for a large "
        "program a chunk at a time in a worker (see badge.resync).",
    )
    @payload_on_error(BadgePayload)
    async def create_badge(self, info: Info, input: CreateBadgeInput) -> BadgePayload:
        spec = BadgeSpec(
            title=input.title,
            min_points=input.min_points,
            max_points=input.max_points,
            basis=input.basis,
            description=input.description,
            icon_url=input.icon_url,
            active=input.active,
        )
        return BadgePayload.of(
            await services.create_badge(
                info.context.new_uow(), spec, input.idempotency_key, info.context.badge_handover
            )
        )

    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)],
        description="A new range, basis or activity re-syncs every customer: at once, or for "
        "a large program a chunk at a time in a worker (see badge.resync).",
    )
    @payload_on_error(BadgePayload)
    async def update_badge(self, info: Info, input: UpdateBadgeInput) -> BadgePayload:
        changes: dict[str, Any] = changed_fields(
            input,
            required=("title", "basis", "min_points", "active"),
            nullable=("description", "icon_url", "max_points"),
        )
        return BadgePayload.of(
            await services.update_badge(
                info.context.new_uow(), input.id, changes, info.context.badge_handover
            )
        )
