"""Badge mutations: each returns a payload with userErrors."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.badges import services
from domain.badges.models import BadgeSpec
from domain.badges.services import BadgeChange
from schema.badges.inputs import CreateBadgeInput, UpdateBadgeInput
from schema.badges.types import BadgeType
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.permissions import requires


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
