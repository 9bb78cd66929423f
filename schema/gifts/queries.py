"""Gift schedules: listing them."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.gifts import services
from schema.context import Info
from schema.gifts.types import GiftScheduleType
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires


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
