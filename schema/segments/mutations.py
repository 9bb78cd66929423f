"""Segments: saving and deleting them."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from funnels.segments import delete_segment, save_segment
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.permissions import requires
from schema.scalars import JSON
from schema.segments.types import SegmentType


@strawberry.input(
    description="Creates the segment `name`, or replaces its description and filter; "
    "saving the same again (a retry) leaves the same segment."
)
class SaveSegmentInput:
    name: str = strawberry.field(description="Letters, digits, '.', '_' and '-'; at most 100.")
    filter: JSON = strawberry.field(description="A segment filter (docs/segments.md).")
    description: str | None = None


@strawberry.type
class SaveSegmentPayload:
    segment: SegmentType | None = None
    created: bool = strawberry.field(
        default=False, description="This save created it (else it replaced it)."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Deleting a segment that is gone already does nothing.")
class DeleteSegmentInput:
    name: str


@strawberry.type
class DeleteSegmentPayload:
    deleted: bool = strawberry.field(default=False, description="It existed and is gone.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SegmentMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_FUNNELS)])
    @payload_on_error(SaveSegmentPayload)
    async def save_segment(self, info: Info, input: SaveSegmentInput) -> SaveSegmentPayload:
        saved = await save_segment(
            info.context.new_uow(),
            input.name,
            input.description,
            input.filter,
            info.context.principal.actor,
        )
        return SaveSegmentPayload(segment=SegmentType.of(saved.segment), created=saved.created)

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_FUNNELS)])
    @payload_on_error(DeleteSegmentPayload)
    async def delete_segment(self, info: Info, input: DeleteSegmentInput) -> DeleteSegmentPayload:
        return DeleteSegmentPayload(
            deleted=await delete_segment(info.context.new_uow(), input.name)
        )
