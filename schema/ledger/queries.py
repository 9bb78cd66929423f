"""Ledger queries: the preview of an adjustment."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError
from domain.ledger import services
from schema.context import Info
from schema.errors import query_error
from schema.ledger.types import AdjustmentPreview
from schema.permissions import requires


@strawberry.type
class LedgerQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.ADJUST_POINTS)],
        description="The balance now and after an adjustment; writes nothing.",
    )
    async def preview_adjustment(
        self, info: Info, customer_id: strawberry.ID, points: int
    ) -> AdjustmentPreview:
        try:
            preview = await services.preview_adjustment(info.context.new_uow(), customer_id, points)
        except DomainError as error:
            raise query_error(error) from error
        return AdjustmentPreview.of(
            preview.customer_id,
            preview.current_balance,
            preview.projected_balance,
            preview.problems,
        )
