"""Badge queries."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.badges import services
from schema.badges.types import BadgeType
from schema.context import Info
from schema.permissions import requires


@strawberry.type
class BadgeQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="Every badge, by basis then from the lowest range up.",
    )
    async def badges(self, info: Info, active_only: bool = False) -> list[BadgeType]:
        found = await services.list_badges(info.context.new_uow(), active_only)
        return [BadgeType.of(b) for b in found]
