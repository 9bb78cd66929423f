"""The customer area: read by customer apps and staff."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.program import customer_area
from schema.context import Info
from schema.permissions import customer_or
from schema.program.types import CustomerAreaType


@strawberry.type
class ProgramQueries:
    @strawberry.field(permission_classes=[customer_or(Permission.VIEW_POINTS)])
    async def customer_area(self, info: Info) -> CustomerAreaType:
        return CustomerAreaType.of(await customer_area.get_customer_area(info.context.new_uow()))
