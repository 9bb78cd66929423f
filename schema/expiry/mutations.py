"""The validity of earned points: setting it."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.ledger import validity
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.expiry.inputs import UpdatePointsExpiryInput
from schema.expiry.types import PointsExpiryType
from schema.permissions import requires


@strawberry.type
class PointsExpiryPayload:
    expiry: PointsExpiryType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExpiryMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(PointsExpiryPayload)
    async def update_points_expiry(
        self, info: Info, input: UpdatePointsExpiryInput
    ) -> PointsExpiryPayload:
        rule = await validity.update_expiry_rule(
            info.context.new_uow(), input.validity_days, input.validity_months
        )
        return PointsExpiryPayload(expiry=PointsExpiryType.of(rule))
