"""Messaging limits: read and set by marketers (MANAGE_NOTIFICATIONS)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from notifications.fatigue import settings
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.notifications.limit_types import MessagingLimitsType, SetMessagingLimitsInput
from schema.permissions import requires


@strawberry.type
class MessagingLimitsPayload:
    messaging_limits: MessagingLimitsType | None = None
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Named on the input path, e.g. channels.0.cap.maxMessages or quietHours.end.",
    )


@strawberry.type
class MessagingLimitQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="Frequency caps, quiet hours and the default time zone for marketing messages.",
    )
    async def messaging_limits(self, info: Info) -> MessagingLimitsType:
        found = await settings.get_messaging_limits(info.context.new_uow())
        return MessagingLimitsType.of(found)


@strawberry.type
class MessagingLimitMutations:
    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="Replace the messaging limits whole. Messages already deferred keep "
        "their time and are decided again under the new limits then.",
    )
    @payload_on_error(MessagingLimitsPayload)
    async def set_messaging_limits(
        self, info: Info, input: SetMessagingLimitsInput
    ) -> MessagingLimitsPayload:
        limits = await settings.set_messaging_limits(
            info.context.new_uow(), input.spec(), info.context.principal.actor
        )
        return MessagingLimitsPayload(messaging_limits=MessagingLimitsType.of(limits))
