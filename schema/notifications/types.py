"""Message templates, their versions and previews, as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from notifications.builtins.models import EVENTS, BuiltIn, BuiltInKind
from notifications.store.models import MessageTemplate, Purpose, TemplateVersion
from notifications.store.preview import Preview
from notifications.templates import (
    Channel,
    Content,
    EmailContent,
    MmsContent,
    RenderedEmail,
    RenderedMms,
)
from schema.context import Info

MessageChannel = strawberry.enum(Channel, name="MessageChannel", description="How it is sent.")
MessagePurpose = strawberry.enum(
    Purpose,
    name="MessagePurpose",
    description="Both need the customer's consent to the channel; MARKETING also respects "
    "frequency caps and quiet hours, TRANSACTIONAL (a voucher's code, points used at the till) "
    "does not.",
)


@strawberry.type(
    name="TemplateTranslation",
    description="One locale's parts: an email's subject, htmlBody (empty: text only) and "
    "textBody; an SMS's text; an MMS's text and mediaUrls.",
)
class TranslationType:
    locale: str
    subject: str | None = None
    html_body: str | None = None
    text_body: str | None = None
    text: str | None = None
    media_urls: list[str] | None = None

    @classmethod
    def of(cls, locale: str, content: Content) -> TranslationType:
        if isinstance(content, EmailContent):
            return cls(
                locale=locale,
                subject=content.subject,
                html_body=content.html_body,
                text_body=content.text_body,
            )
        if isinstance(content, MmsContent):
            return cls(locale=locale, text=content.text, media_urls=list(content.media_urls))
        return cls(locale=locale, text=content.text)


@strawberry.type(
    name="MessageTemplateVersion",
    description="A saved version, never changed: a sent message names the version it used.",
)
class TemplateVersionType:
    version: int
    fallback_locale: str
    translations: list[TranslationType]
    actor: str = strawberry.field(description="Who saved it.")
    created_at: datetime

    @classmethod
    def of(cls, v: TemplateVersion) -> TemplateVersionType:
        return cls(
            version=v.version,
            fallback_locale=v.fallback_locale,
            translations=[TranslationType.of(loc, c) for loc, c in sorted(v.translations.items())],
            actor=v.actor,
            created_at=v.created_at,
        )


@strawberry.type(name="MessageTemplate")
class MessageTemplateType:
    id: strawberry.ID
    name: str
    channel: MessageChannel  # type: ignore[valid-type]
    purpose: MessagePurpose  # type: ignore[valid-type]
    fallback_locale: str
    current_version: int
    created_at: datetime
    updated_at: datetime
    _template: strawberry.Private[MessageTemplate]

    @strawberry.field(description="Every version saved, newest first.")
    async def versions(self, info: Info) -> list[TemplateVersionType]:
        found = await info.context.loaders.template_versions.load(self._template)
        return [TemplateVersionType.of(v) for v in found]

    @classmethod
    def of(cls, t: MessageTemplate) -> MessageTemplateType:
        return cls(
            id=strawberry.ID(str(t.id)),
            name=t.name,
            channel=t.channel,
            purpose=t.purpose,
            fallback_locale=t.fallback_locale,
            current_version=t.current_version,
            created_at=t.created_at,
            updated_at=t.updated_at,
            _template=t,
        )


@strawberry.type(
    name="TemplateProblem",
    description="What went wrong rendering a part: its field, code (UNDEFINED, TIMEOUT, "
    "...), message, and the line and column in that part's source when known.",
)
class TemplateProblemType:
    field: str
    code: str
    message: str
    line: int | None = None
    column: int | None = None


@strawberry.type(
    name="TemplatePreview",
    description="A template rendered for a real customer; nothing is sent.",
)
class PreviewType:
    template_id: strawberry.ID
    version: int
    locale: str = strawberry.field(description="The translation used (after the fallback).")
    subject: str | None = None
    html_body: str | None = None
    text_body: str | None = None
    text: str | None = None
    media_urls: list[str] | None = None
    problems: list[TemplateProblemType] = strawberry.field(
        default_factory=list, description="Empty when it rendered; otherwise no part is set."
    )

    @classmethod
    def of(cls, p: Preview) -> PreviewType:
        parts: dict[str, object] = {}
        r = p.rendered
        if isinstance(r, RenderedEmail):
            parts = {"subject": r.subject, "html_body": r.html_body, "text_body": r.text_body}
        elif isinstance(r, RenderedMms):
            parts = {"text": r.text, "media_urls": list(r.media_urls)}
        elif r is not None:
            parts = {"text": r.text}
        return cls(
            template_id=strawberry.ID(str(p.template.id)),
            version=p.version.version,
            locale=p.locale,
            problems=[
                TemplateProblemType(field=f, code=c, message=m, line=line, column=col)
                for f, c, m, line, col in p.problems
            ],
            **parts,  # type: ignore[arg-type]
        )


BuiltInNotificationKind = strawberry.enum(
    BuiltInKind,
    name="BuiltInNotificationKind",
    description="POINTS_EARNED (a purchase or an action credited points), THRESHOLD_REACHED "
    "(the balance went up past one of the thresholds), POINTS_EXPIRING (daysBefore days "
    "before a lot's expiry date), BADGE_UNLOCKED (the customer's points unlocked a badge), "
    "VOUCHER_ISSUED (a code assigned, or bought with points: it carries the code), "
    "REWARD_CLAIMED.",
)


@strawberry.type(
    name="BuiltInNotification",
    description="A message the program sends by itself, on each channel it has a template "
    "for (the customer's consent is checked when it is sent).",
)
class BuiltInNotificationType:
    kind: BuiltInNotificationKind  # type: ignore[valid-type]
    enabled: bool
    purpose: MessagePurpose = strawberry.field(  # type: ignore[valid-type]
        description="The kind's: VOUCHER_ISSUED and REWARD_CLAIMED are TRANSACTIONAL, the "
        "others MARKETING (whatever the template's own purpose)."
    )
    events: list[str] = strawberry.field(description="The domain events it answers.")
    email_template_id: strawberry.ID | None
    text_template_id: strawberry.ID | None = strawberry.field(description="An SMS or MMS template.")
    thresholds: list[int] = strawberry.field(description="THRESHOLD_REACHED only, ascending.")
    days_before: int | None = strawberry.field(description="POINTS_EXPIRING only.")
    updated_at: datetime | None

    @classmethod
    def of(cls, b: BuiltIn) -> BuiltInNotificationType:
        def ident(value: int | None) -> strawberry.ID | None:
            return None if value is None else strawberry.ID(str(value))

        return cls(
            kind=b.kind,
            enabled=b.enabled,
            purpose=b.purpose,
            events=list(EVENTS[b.kind]),
            email_template_id=ident(b.email_template_id),
            text_template_id=ident(b.text_template_id),
            thresholds=list(b.thresholds),
            days_before=b.days_before,
            updated_at=b.updated_at,
        )
