"""Message templates: listing, reading, previewing for a real customer."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError, Problems
from domain.validation import parse_id
from notifications.builtins.settings import list_builtins
from notifications.store import services
from notifications.store.preview import preview, preview_draft
from notifications.templates import SHORTCODES, Channel
from schema.context import Info
from schema.errors import query_error
from schema.notifications.inputs import PreviewTemplateDraftInput
from schema.notifications.types import (
    BuiltInNotificationType,
    DraftPreviewType,
    MessageChannel,
    MessageTemplateType,
    PreviewType,
    ShortcodeType,
)
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires


@strawberry.type
class NotificationQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="Message templates, newest first.",
    )
    async def message_templates(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        channel: MessageChannel | None = None,  # type: ignore[valid-type]
    ) -> Connection[MessageTemplateType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("MessageTemplate", after)
        page = await services.list_templates(
            info.context.new_uow(), limit, after_id, None if channel is None else Channel(channel)
        )
        return connection(
            [MessageTemplateType.of(t) for t in page.items], page.has_next, "MessageTemplate"
        )

    @strawberry.field(permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)])
    async def message_template(self, info: Info, id: strawberry.ID) -> MessageTemplateType | None:
        problems = Problems()
        template_id = parse_id(problems, "id", id)
        if problems.items:
            raise query_error(DomainError(problems.items))
        found = await services.get_template(info.context.new_uow(), template_id)
        return None if found is None else MessageTemplateType.of(found)

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="The template (its current version, or `version`) rendered for a real "
        "customer in `locale` (default: the customer's, else the fallback); nothing is sent.",
    )
    async def preview_template(
        self,
        info: Info,
        template_id: strawberry.ID,
        customer_id: strawberry.ID,
        locale: str | None = None,
        version: int | None = None,
    ) -> PreviewType:
        problems = Problems()
        tid = parse_id(problems, "templateId", template_id)
        cid = parse_id(problems, "customerId", customer_id)
        try:
            problems.raise_if_any()
            found = await preview(info.context.new_uow(), tid, cid, locale, version)
        except DomainError as error:
            raise query_error(error) from error
        return PreviewType.of(found)

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="Template content being edited, checked as a save checks it and rendered "
        "for a real customer as previewTemplate renders a saved version; nothing is sent or "
        "written.",
    )
    async def preview_template_draft(
        self, info: Info, input: PreviewTemplateDraftInput
    ) -> DraftPreviewType:
        problems = Problems()
        cid = parse_id(problems, "customerId", input.customer_id)
        channel, fallback, translations = input.draft()
        try:
            problems.raise_if_any()
            found = await preview_draft(
                info.context.new_uow(), channel, fallback, translations, cid, input.locale
            )
        except DomainError as error:
            raise query_error(error) from error
        return DraftPreviewType.of(found)

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="The shortcodes templates may use ([points], [first_name], ...), in the "
        "order the documentation lists them.",
    )
    def message_shortcodes(self) -> list[ShortcodeType]:
        return [ShortcodeType.of(s) for s in SHORTCODES.values()]

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_NOTIFICATIONS)],
        description="Every built-in notification (a kind never set is off).",
    )
    async def built_in_notifications(self, info: Info) -> list[BuiltInNotificationType]:
        found = await list_builtins(info.context.new_uow())
        return [BuiltInNotificationType.of(b) for b in found]
