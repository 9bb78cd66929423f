"""The validity of earned points: reading and setting it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.ledger import expiry
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.permissions import requires


@strawberry.type(
    name="PointsExpiry",
    description="Points expire at the end of the UTC day of their credit plus the validity; "
    "neither days nor months: they never expire.",
)
class PointsExpiryType:
    validity_days: int | None
    validity_months: int | None
    updated_at: datetime | None

    @classmethod
    def of(cls, rule: expiry.ExpiryRule) -> PointsExpiryType:
        return cls(
            validity_days=rule.validity_days,
            validity_months=rule.validity_months,
            updated_at=rule.updated_at,
        )


@strawberry.input(
    description="Days or months (not both); both null: points never expire. Applies to points "
    "credited afterwards."
)
class UpdatePointsExpiryInput:
    validity_days: int | None = None
    validity_months: int | None = None


@strawberry.type
class PointsExpiryPayload:
    expiry: PointsExpiryType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExpiryQueries:
    @strawberry.field(permission_classes=[requires(Permission.VIEW_POINTS)])
    async def points_expiry(self, info: Info) -> PointsExpiryType:
        return PointsExpiryType.of(await expiry.read_expiry_rule(info.context.new_uow()))


@strawberry.type
class ExpiryMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(PointsExpiryPayload)
    async def update_points_expiry(
        self, info: Info, input: UpdatePointsExpiryInput
    ) -> PointsExpiryPayload:
        rule = await expiry.update_expiry_rule(
            info.context.new_uow(), input.validity_days, input.validity_months
        )
        return PointsExpiryPayload(expiry=PointsExpiryType.of(rule))
