"""Funnels: listing, reading one with its versions, validating a definition."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError, Problems
from domain.validation import parse_id
from funnels.definitions import queries
from funnels.definitions.models import FunnelStatus
from funnels.definitions.services import validate_funnel
from schema.context import Info
from schema.errors import UserError, query_error
from schema.funnels.types import FunnelStatusType, FunnelType
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires
from schema.scalars import JSON


@strawberry.type(name="FunnelValidation")
class FunnelValidationType:
    definition: JSON | None = strawberry.field(
        default=None,
        description="The definition as it would be saved (null when it has problems).",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Every problem, on its path in the definition (e.g. steps[2].points).",
    )


@strawberry.type
class FunnelQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_FUNNELS)],
        description="Funnels, newest first.",
    )
    async def funnels(
        self,
        info: Info,
        status: FunnelStatusType | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FunnelType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("Funnel", after)
        page = await queries.list_funnels(
            info.context.new_uow(),
            limit,
            after_id,
            None if status is None else FunnelStatus(status),
        )
        return connection([FunnelType.of(f) for f in page.items], page.has_next, "Funnel")

    @strawberry.field(permission_classes=[requires(Permission.MANAGE_FUNNELS)])
    async def funnel(self, info: Info, id: strawberry.ID) -> FunnelType | None:
        problems = Problems()
        funnel_id = parse_id(problems, "id", id)
        if problems.items:
            raise query_error(DomainError(problems.items))
        found = await queries.get_funnel(info.context.new_uow(), funnel_id)
        return None if found is None else FunnelType.of(found)

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_FUNNELS)],
        description="Every problem a save of `definition` would report; nothing is saved.",
    )
    async def validate_funnel(self, info: Info, definition: JSON) -> FunnelValidationType:
        checked, problems = await validate_funnel(
            info.context.new_uow(), definition, info.context.check_filter
        )
        if checked is None:
            return FunnelValidationType(
                user_errors=[
                    UserError(field=p.field, code=p.code, message=p.message) for p in problems
                ]
            )
        return FunnelValidationType(definition=checked.document())  # type: ignore[arg-type]
