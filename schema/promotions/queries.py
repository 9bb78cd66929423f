"""Promotions: listing them."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.promotions import services
from schema.context import Info
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires
from schema.promotions.types import PromotionType


@strawberry.type
class PromotionQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)],
        description="Promotions, newest first.",
    )
    async def promotions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        active_only: bool = False,
    ) -> Connection[PromotionType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("Promotion", after)
        page = await services.list_promotions(info.context.new_uow(), limit, after_id, active_only)
        return connection([PromotionType.of(p) for p in page.items], page.has_next, "Promotion")
