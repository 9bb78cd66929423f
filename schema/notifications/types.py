"""Message templates, their versions and previews, as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from notifications.builtins.models import EVENTS, BuiltIn, BuiltInKind
from notifications.store.models import MessageTemplate, Purpose, TemplateVersion
from notifications.store.preview import DraftPreview, Preview, ProblemRow
from notifications.templates import (
    Channel,
    Content,
    EmailContent,
    Kind,
    MmsContent,
    Rendered,
    RenderedEmail,
    RenderedMms,
    Shortcode,
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
        return cls(
            template_id=strawberry.ID(str(p.template.id)),
            version=p.version.version,
            locale=p.locale,
            problems=problem_types(p.problems),
            **rendered_parts(p.rendered),  # type: ignore[arg-type]
        )


def rendered_parts(r: Rendered | None) -> dict[str, object]:
    """A rendered message's parts as the preview types' fields name them."""
    if isinstance(r, RenderedEmail):
        return {"subject": r.subject, "html_body": r.html_body, "text_body": r.text_body}
    if isinstance(r, RenderedMms):
        return {"text": r.text, "media_urls": list(r.media_urls)}
    if r is not None:
        return {"text": r.text}
    return {}


def problem_types(rows: list[ProblemRow]) -> list[TemplateProblemType]:
    return [
        TemplateProblemType(field=f, code=c, message=m, line=line, column=col)
        for f, c, m, line, col in rows
    ]


@strawberry.type(
    name="TemplateDraftPreview",
    description="A template being edited (not saved) rendered for a real customer; nothing "
    "is sent or written.",
)
class DraftPreviewType:
    locale: str | None = strawberry.field(
        description="The translation used (after the fallback); null when it did not render."
    )
    subject: str | None = None
    html_body: str | None = None
    text_body: str | None = None
    text: str | None = None
    media_urls: list[str] | None = None
    problems: list[TemplateProblemType] = strawberry.field(
        default_factory=list,
        description="Empty when it rendered; otherwise no part is set. When a save would "
        "refuse the content, every problem the save names, on the same fields "
        "(translations.<locale>.<part>): a syntax error, an unknown shortcode or variable "
        "(SYNTAX, UNKNOWN_SHORTCODE, UNKNOWN_VARIABLE, UNSAFE, with line and column), a "
        "missing part (REQUIRED); else the render's problem (UNDEFINED for a value this "
        "customer lacks, TIMEOUT, ...).",
    )

    @classmethod
    def of(cls, p: DraftPreview) -> DraftPreviewType:
        return cls(
            locale=p.locale,
            problems=problem_types(p.problems),
            **rendered_parts(p.rendered),  # type: ignore[arg-type]
        )


ShortcodeKind = strawberry.enum(
    Kind,
    name="ShortcodeKind",
    description="How a shortcode's value is written: TEXT and URL as they are, NUMBER grouped "
    "per locale, DATE in the medium format, MONEY with its currency, all in the customer's "
    "locale.",
)


@strawberry.type(
    name="MessageShortcode",
    description="A shortcode a template may use, e.g. [points]; the registry the server "
    "renders and validates with.",
)
class ShortcodeType:
    name: str = strawberry.field(description="Written in brackets: [name].")
    kind: ShortcodeKind  # type: ignore[valid-type]
    meaning: str
    example: str = strawberry.field(description="As it reads in en-US.")

    @strawberry.field(description="The shortcode as written in a template: [name].")
    def code(self) -> str:
        return f"[{self.name}]"

    @classmethod
    def of(cls, s: Shortcode) -> ShortcodeType:
        return cls(name=s.name, kind=s.kind, meaning=s.meaning, example=s.example)


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
