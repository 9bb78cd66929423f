"""Notice recipients and settings: reading them."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from notifications.notices.recipients import list_recipients
from notifications.notices.settings import read_settings
from schema.context import Info
from schema.notifications.notices.types import NoticeRecipientType, NoticeSettingsType
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires


@strawberry.type
class NoticeQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="Staff notice recipients in the order they were added; only those of "
        "`shop` when given.",
    )
    async def notice_recipients(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        shop: str | None = None,
    ) -> Connection[NoticeRecipientType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("NoticeRecipient", after)
        page = await list_recipients(info.context.new_uow(), limit, after_id, shop)
        return connection(
            [NoticeRecipientType.of(r) for r in page.items], page.has_next, "NoticeRecipient"
        )

    @strawberry.field(permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)])
    async def notice_settings(self, info: Info) -> NoticeSettingsType:
        return NoticeSettingsType.of(await read_settings(info.context.new_uow()))
