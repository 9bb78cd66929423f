"""Message templates: creating them, saving new versions, and sending a test message."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.errors import ErrorCode
from notifications.builtins.settings import set_builtin
from notifications.proofs import TestSend, captured_at_once, send_test_message
from notifications.store import services
from schema.context import Info
from schema.delivery.types import MessageType
from schema.errors import UserError, payload_on_error
from schema.notifications.inputs import (
    CreateMessageTemplateInput,
    SendTestMessageInput,
    SetBuiltInNotificationInput,
    UpdateMessageTemplateInput,
)
from schema.notifications.types import (
    BuiltInNotificationType,
    MessageTemplateType,
    TemplateProblemType,
)
from schema.permissions import requires
from schema.throttle import TestMessageSends, caller_key


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
class SendTestMessagePayload:
    message: MessageType | None = strawberry.field(
        default=None,
        description="The test message as the delivery log shows it: QUEUED for a worker to "
        "send, CAPTURED by the sandbox (no channel configured), or as a replay found it.",
    )
    replayed: bool = False
    problems: list[TemplateProblemType] = strawberry.field(
        default_factory=list,
        description="The template failed to render (as previewTemplate shows it, with the "
        "line and column): nothing was sent.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, sent: TestSend) -> SendTestMessagePayload:
        if sent.message is not None:
            return cls(message=MessageType.of(sent.message), replayed=sent.replayed)
        return cls(
            problems=[
                TemplateProblemType(field=f, code=c, message=m, line=line, column=col)
                for f, c, m, line, col in sent.problems
            ],
            user_errors=[
                UserError(field=f, code=ErrorCode.INVALID, message=m)
                for f, _, m, _, _ in sent.problems
            ],
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
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS), TestMessageSends],
        description="Render a template for a customer (or a sample one) and send it to the "
        "given address or phone, not to the customer: a TRANSACTIONAL message with no "
        "customer, shown in the delivery log as a test. Limited per staff token.",
    )
    @payload_on_error(SendTestMessagePayload)
    async def send_test_message(
        self, info: Info, input: SendTestMessageInput
    ) -> SendTestMessagePayload:
        context = info.context
        hand_over = context.message_handover or captured_at_once(context.new_uow)
        sent = await send_test_message(
            context.new_uow(), input.request(), caller_key(info), hand_over
        )
        return SendTestMessagePayload.of(sent)

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
