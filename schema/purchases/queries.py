"""The earning rules: reading them."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.purchases import earning_rules
from schema.context import Info
from schema.permissions import requires
from schema.purchases.types import EarningRulesType


@strawberry.type
class PurchaseQueries:
    @strawberry.field(permission_classes=[requires(Permission.VIEW_POINTS)])
    async def earning_rules(self, info: Info) -> EarningRulesType:
        return EarningRulesType.of(await earning_rules.earning_rules_view(info.context.new_uow()))
