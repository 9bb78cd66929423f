"""The delivery log: what was sent, to whom, and what became of it."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError
from notifications.delivery.log import message_log, message_totals
from schema.context import Info
from schema.delivery.inputs import MessageFilterInput
from schema.delivery.types import MessageStatusTotalType, MessageType
from schema.errors import query_error
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires


@strawberry.type
class DeliveryQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.READ_REPORTS)],
        description="The delivery log, newest first: every message with its rendered content, "
        "status, provider id, attempts and last error.",
    )
    async def messages(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: MessageFilterInput | None = None,
    ) -> Connection[MessageType]:
        limit = page_size(first, info.context.max_page_size)
        before_id = decode_cursor("Message", after)
        try:
            wanted = (filter or MessageFilterInput()).to_domain()
        except DomainError as error:
            raise query_error(error) from error
        page = await message_log(info.context.new_uow(), wanted, limit, before_id)
        return connection([MessageType.of(m) for m in page.items], page.has_next, "Message")

    @strawberry.field(
        permission_classes=[requires(Permission.READ_REPORTS)],
        description="How many of the filtered messages are in each status (every status, 0 too).",
    )
    async def message_totals(
        self, info: Info, filter: MessageFilterInput | None = None
    ) -> list[MessageStatusTotalType]:
        try:
            wanted = (filter or MessageFilterInput()).to_domain()
        except DomainError as error:
            raise query_error(error) from error
        totals = await message_totals(info.context.new_uow(), wanted)
        return [MessageStatusTotalType(status=s, count=n) for s, n in totals.items()]
