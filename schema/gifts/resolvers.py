"""Gift schedule queries and mutations."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.gifts import services
from domain.gifts.models import GiftFilter, GiftScheduleSpec
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.gifts.types import GiftFilterInput, GiftScheduleType
from schema.inputs import changed_fields
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires


@strawberry.input(
    description="Every customer matching `filter` (all when left out) gets `points` with "
    "`description` as the entry's note, once per fire time of `cron` (5 fields, UTC)."
)
class CreateGiftScheduleInput:
    name: str
    cron: str = strawberry.field(description="minute hour day-of-month month day-of-week, UTC.")
    points: int
    description: str
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first schedule and writes nothing."
    )
    filter: GiftFilterInput | None = None
    active: bool = True


@strawberry.input(
    description="Fields left out stay as they are; a filter given replaces the whole filter. "
    "A new cron, or active again, starts the periods afresh from now."
)
class UpdateGiftScheduleInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    cron: str | None = strawberry.UNSET
    points: int | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    filter: GiftFilterInput | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.type
class GiftSchedulePayload:
    schedule: GiftScheduleType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GiftQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)],
        description="Gift schedules in the order they were made.",
    )
    async def gift_schedules(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[GiftScheduleType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("GiftSchedule", after)
        page = await services.list_gift_schedules(info.context.new_uow(), limit, after_id)
        return connection(
            [GiftScheduleType.of(s) for s in page.items], page.has_next, "GiftSchedule"
        )


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
            info.context.new_uow(), spec, input.idempotency_key
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
        schedule = await services.update_gift_schedule(info.context.new_uow(), input.id, changes)
        return GiftSchedulePayload(schedule=GiftScheduleType.of(schedule))
