"""Message templates: creating them and saving new versions."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from notifications.builtins.settings import set_builtin
from notifications.store import services
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.notifications.inputs import (
    CreateMessageTemplateInput,
    SetBuiltInNotificationInput,
    UpdateMessageTemplateInput,
)
from schema.notifications.types import BuiltInNotificationType, MessageTemplateType
from schema.permissions import requires


@strawberry.type
class MessageTemplatePayload:
    template: MessageTemplateType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="A template problem is named on translations.<locale>.<part> and its "
        "message starts with the line and column.",
    )


@strawberry.type
class BuiltInNotificationPayload:
    notification: BuiltInNotificationType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)])
    @payload_on_error(MessageTemplatePayload)
    async def create_message_template(
        self, info: Info, input: CreateMessageTemplateInput
    ) -> MessageTemplatePayload:
        created = await services.create_template(
            info.context.new_uow(),
            input.spec(),
            input.idempotency_key,
            info.context.principal.actor,
        )
        return MessageTemplatePayload(
            template=MessageTemplateType.of(created.item), replayed=created.replayed
        )

    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="Save a new version (earlier versions stay readable).",
    )
    @payload_on_error(MessageTemplatePayload)
    async def update_message_template(
        self, info: Info, input: UpdateMessageTemplateInput
    ) -> MessageTemplatePayload:
        template = await services.update_template(
            info.context.new_uow(), input.id, input.changes(), info.context.principal.actor
        )
        return MessageTemplatePayload(template=MessageTemplateType.of(template))

    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="Switch a built-in notification on or off and set its templates and "
        "settings (the whole setting: what is left out is cleared).",
    )
    @payload_on_error(BuiltInNotificationPayload)
    async def set_built_in_notification(
        self, info: Info, input: SetBuiltInNotificationInput
    ) -> BuiltInNotificationPayload:
        saved = await set_builtin(
            info.context.new_uow(), input.wanted(), info.context.principal.actor
        )
        return BuiltInNotificationPayload(notification=BuiltInNotificationType.of(saved))
