"""Gift schedules: creating and changing them."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.gifts import services
from domain.gifts.models import GiftFilter, GiftScheduleSpec
from funnels.engine.conditions import saved_segments
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.gifts.inputs import CreateGiftScheduleInput, UpdateGiftScheduleInput
from schema.gifts.types import GiftScheduleType
from schema.inputs import changed_fields
from schema.permissions import requires


@strawberry.type
class GiftSchedulePayload:
    schedule: GiftScheduleType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GiftMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(GiftSchedulePayload)
    async def create_gift_schedule(
        self, info: Info, input: CreateGiftScheduleInput
    ) -> GiftSchedulePayload:
        spec = GiftScheduleSpec(
            name=input.name,
            cron=input.cron,
            points=input.points,
            description=input.description,
            filter=input.filter.to_domain() if input.filter is not None else GiftFilter(),
            active=input.active,
        )
        created = await services.create_gift_schedule(
            info.context.new_uow(), spec, input.idempotency_key, saved_segments()
        )
        return GiftSchedulePayload(
            schedule=GiftScheduleType.of(created.item), replayed=created.replayed
        )

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(GiftSchedulePayload)
    async def update_gift_schedule(
        self, info: Info, input: UpdateGiftScheduleInput
    ) -> GiftSchedulePayload:
        changes: dict[str, Any] = changed_fields(
            input,
            required=("name", "cron", "points", "description", "active"),
            nullable=("filter",),
        )
        if "filter" in changes:
            given = changes["filter"]
            changes["filter"] = given.to_domain() if given is not None else GiftFilter()
        schedule = await services.update_gift_schedule(
            info.context.new_uow(), input.id, changes, saved_segments()
        )
        return GiftSchedulePayload(schedule=GiftScheduleType.of(schedule))
