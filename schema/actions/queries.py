"""The actions that earn: reading them."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.actions import services
from schema.actions.types import EarningActionType
from schema.context import Info
from schema.permissions import requires


@strawberry.type
class ActionQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="The configured actions; others earn nothing.",
    )
    async def earning_actions(self, info: Info) -> list[EarningActionType]:
        found = await services.list_earning_actions(info.context.new_uow())
        return [EarningActionType.of(a) for a in found]
