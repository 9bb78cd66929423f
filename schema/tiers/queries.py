"""Tier rule queries."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.tiers import services
from schema.context import Info
from schema.permissions import requires
from schema.tiers.types import TierRulesType


@strawberry.type
class TierQueries:
    @strawberry.field(permission_classes=[requires(Permission.VIEW_CUSTOMERS)])
    async def tier_rules(self, info: Info) -> TierRulesType:
        return TierRulesType.of(await services.get_tier_rules(info.context.new_uow()))
