"""Notice recipients and settings: adding, changing, removing recipients; the threshold."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from notifications.notices import recipients
from notifications.notices.settings import set_large_adjustment_threshold
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.notifications.notices.inputs import (
    AddNoticeRecipientInput,
    RemoveNoticeRecipientInput,
    SetLargeAdjustmentThresholdInput,
    UpdateNoticeRecipientInput,
)
from schema.notifications.notices.types import NoticeRecipientType, NoticeSettingsType
from schema.permissions import requires


@strawberry.type
class NoticeRecipientPayload:
    recipient: NoticeRecipientType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RemoveNoticeRecipientPayload:
    removed_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NoticeSettingsPayload:
    settings: NoticeSettingsType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NoticeMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)])
    @payload_on_error(NoticeRecipientPayload)
    async def add_notice_recipient(
        self, info: Info, input: AddNoticeRecipientInput
    ) -> NoticeRecipientPayload:
        created = await recipients.add_recipient(
            info.context.new_uow(), input.spec(), input.idempotency_key
        )
        return NoticeRecipientPayload(
            recipient=NoticeRecipientType.of(created.item), replayed=created.replayed
        )

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)])
    @payload_on_error(NoticeRecipientPayload)
    async def update_notice_recipient(
        self, info: Info, input: UpdateNoticeRecipientInput
    ) -> NoticeRecipientPayload:
        changed = await recipients.update_recipient(
            info.context.new_uow(), input.id, input.changes()
        )
        return NoticeRecipientPayload(recipient=NoticeRecipientType.of(changed))

    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="It receives no further notices; those already sent stay in the log.",
    )
    @payload_on_error(RemoveNoticeRecipientPayload)
    async def remove_notice_recipient(
        self, info: Info, input: RemoveNoticeRecipientInput
    ) -> RemoveNoticeRecipientPayload:
        removed = await recipients.remove_recipient(info.context.new_uow(), input.id)
        return RemoveNoticeRecipientPayload(removed_id=strawberry.ID(str(removed)))

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)])
    @payload_on_error(NoticeSettingsPayload)
    async def set_large_adjustment_threshold(
        self, info: Info, input: SetLargeAdjustmentThresholdInput
    ) -> NoticeSettingsPayload:
        settings = await set_large_adjustment_threshold(
            info.context.new_uow(), input.points, info.context.principal.actor
        )
        return NoticeSettingsPayload(settings=NoticeSettingsType.of(settings))
