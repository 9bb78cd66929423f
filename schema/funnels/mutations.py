"""Funnels: saving definitions (each change a version) and moving them between statuses."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from funnels.definitions.services import change_status, save_funnel
from funnels.definitions.statuses import Transition
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.funnels.types import FunnelType, FunnelVersionType
from schema.permissions import requires
from schema.scalars import JSON


@strawberry.input
class SaveFunnelInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="The funnel to save a new version of; null creates one."
    )
    definition: JSON = strawberry.field(description="The definition (docs/funnels.md).")
    migration: JSON | None = strawberry.field(
        default=None,
        description="For an ACTIVE or PAUSED funnel: {previous version's step id: new step id} "
        "for every step, moving the customers inside onto the new version. Without it they "
        "finish on the version they entered.",
    )
    idempotency_key: str


@strawberry.type
class SaveFunnelPayload:
    funnel: FunnelType | None = None
    version: FunnelVersionType | None = None
    changed: bool = strawberry.field(
        default=False,
        description="False when the definition equalled the current version's (nothing saved).",
    )
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Every problem, on its path (e.g. steps[2].points, migration.wait_1_day).",
    )


@strawberry.type
class FunnelPayload:
    funnel: FunnelType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


MANAGE = [requires(Permission.MANAGE_FUNNELS)]


async def _move(info: Info, funnel_id: strawberry.ID, transition: Transition) -> FunnelPayload:
    principal = info.context.principal
    funnel = await change_status(
        info.context.new_uow(),
        str(funnel_id),
        transition,
        info.context.check_filter,
        principal.actor,
    )
    return FunnelPayload(funnel=FunnelType.of(funnel))


@strawberry.type
class FunnelMutations:
    @strawberry.mutation(permission_classes=MANAGE)
    @payload_on_error(SaveFunnelPayload)
    async def save_funnel(self, info: Info, input: SaveFunnelInput) -> SaveFunnelPayload:
        saved = await save_funnel(
            info.context.new_uow(),
            input.definition,
            info.context.check_filter,
            idempotency_key=input.idempotency_key,
            actor=info.context.principal.actor,
            funnel_id=None if input.id is None else str(input.id),
            migration=input.migration,
        )
        return SaveFunnelPayload(
            funnel=FunnelType.of(saved.funnel),
            version=FunnelVersionType.of(saved.version),
            changed=saved.changed,
            replayed=saved.replayed,
        )

    @strawberry.mutation(
        permission_classes=MANAGE,
        description="DRAFT -> ACTIVE: customers start entering. References are checked again.",
    )
    @payload_on_error(FunnelPayload)
    async def activate_funnel(self, info: Info, id: strawberry.ID) -> FunnelPayload:
        return await _move(info, id, Transition.ACTIVATE)

    @strawberry.mutation(
        permission_classes=MANAGE,
        description="ACTIVE -> PAUSED: nobody enters or moves on until it is resumed.",
    )
    @payload_on_error(FunnelPayload)
    async def pause_funnel(self, info: Info, id: strawberry.ID) -> FunnelPayload:
        return await _move(info, id, Transition.PAUSE)

    @strawberry.mutation(permission_classes=MANAGE, description="PAUSED -> ACTIVE.")
    @payload_on_error(FunnelPayload)
    async def resume_funnel(self, info: Info, id: strawberry.ID) -> FunnelPayload:
        return await _move(info, id, Transition.RESUME)

    @strawberry.mutation(
        permission_classes=MANAGE,
        description="Any status -> ARCHIVED, for good: the customers inside leave.",
    )
    @payload_on_error(FunnelPayload)
    async def archive_funnel(self, info: Info, id: strawberry.ID) -> FunnelPayload:
        return await _move(info, id, Transition.ARCHIVE)
