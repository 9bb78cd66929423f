"""The validity of earned points: reading it."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.ledger import validity
from schema.context import Info
from schema.expiry.types import PointsExpiryType
from schema.permissions import requires


@strawberry.type
class ExpiryQueries:
    @strawberry.field(permission_classes=[requires(Permission.VIEW_POINTS)])
    async def points_expiry(self, info: Info) -> PointsExpiryType:
        return PointsExpiryType.of(await validity.read_expiry_rule(info.context.new_uow()))
