"""Rewards queries: the catalogue."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.rewards import services
from schema.context import Info
from schema.permissions import requires
from schema.rewards.types import RewardType


@strawberry.type
class RewardQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="The catalogue, cheapest first.",
    )
    async def rewards(self, info: Info, active_only: bool = False) -> list[RewardType]:
        found = await services.list_rewards(info.context.new_uow(), active_only)
        return [RewardType.of(r) for r in found]
