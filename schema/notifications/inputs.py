"""Message template inputs."""

from __future__ import annotations

import strawberry

from domain.errors import Problems
from domain.validation import parse_id
from notifications.builtins.models import BuiltInKind
from notifications.builtins.settings import BuiltInInput
from notifications.proofs import TestMessageRequest
from notifications.store.models import Purpose, TemplateSpec, Translation
from notifications.store.services import TemplateChanges
from notifications.templates import Channel
from schema.notifications.types import BuiltInNotificationKind, MessageChannel, MessagePurpose


@strawberry.input(
    description="One locale's parts. An email: subject and textBody required, htmlBody "
    "optional (without it the email goes as text only). An SMS: text. An MMS: text and 1 to "
    "10 https mediaUrls. A part of another channel is refused."
)
class TranslationInput:
    locale: str = strawberry.field(description="BCP 47, e.g. it-IT (stored canonically).")
    subject: str | None = None
    html_body: str | None = None
    text_body: str | None = None
    text: str | None = None
    media_urls: list[str] | None = None

    def translation(self) -> Translation:
        return Translation(
            locale=self.locale,
            subject=self.subject,
            html_body=self.html_body,
            text_body=self.text_body,
            text=self.text,
            media_urls=None if self.media_urls is None else tuple(self.media_urls),
        )


@strawberry.input
class CreateMessageTemplateInput:
    name: str = strawberry.field(description="Unique, at most 100 characters.")
    channel: MessageChannel  # type: ignore[valid-type]
    fallback_locale: str = strawberry.field(
        description="Sent to a customer whose language has no translation; one of them."
    )
    translations: list[TranslationInput]
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first template and writes nothing."
    )
    purpose: MessagePurpose = Purpose.MARKETING  # type: ignore[valid-type]

    def spec(self) -> TemplateSpec:
        return TemplateSpec(
            name=self.name,
            channel=Channel(self.channel),
            purpose=Purpose(self.purpose),
            fallback_locale=self.fallback_locale,
            translations=tuple(t.translation() for t in self.translations),
        )


@strawberry.input(
    description="Saves a new version; what is left out stays as the current version has it. "
    "Translations, when given, replace the current ones whole."
)
class UpdateMessageTemplateInput:
    id: strawberry.ID
    name: str | None = None
    purpose: MessagePurpose | None = None  # type: ignore[valid-type]
    fallback_locale: str | None = None
    translations: list[TranslationInput] | None = None
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version the edit was made on: refused when another was saved since.",
    )

    def changes(self) -> TemplateChanges:
        return TemplateChanges(
            name=self.name,
            purpose=None if self.purpose is None else Purpose(self.purpose),
            fallback_locale=self.fallback_locale,
            translations=None
            if self.translations is None
            else tuple(t.translation() for t in self.translations),
            expected_version=self.expected_version,
        )


@strawberry.input(
    description="A template being edited, to render for a real customer before it is saved: "
    "its channel, fallback locale and translations as createMessageTemplate takes them."
)
class PreviewTemplateDraftInput:
    channel: MessageChannel  # type: ignore[valid-type]
    fallback_locale: str
    translations: list[TranslationInput]
    customer_id: strawberry.ID
    locale: str | None = strawberry.field(
        default=None,
        description="BCP 47; default: the customer's locale, else the fallback.",
    )

    def draft(self) -> tuple[Channel, str, tuple[Translation, ...]]:
        return (
            Channel(self.channel),
            self.fallback_locale,
            tuple(t.translation() for t in self.translations),
        )


@strawberry.input(
    description="A template to try: rendered for a real customer (or a sample one) and sent "
    "to your own address or phone, never to the customer."
)
class SendTestMessageInput:
    template_id: strawberry.ID
    to: str = strawberry.field(
        description="An email address for an EMAIL template; a phone number in international "
        "format (+39 340 123 4567) for an SMS or MMS template."
    )
    idempotency_key: str = strawberry.field(
        description="Sending again with the same key returns the first message and sends "
        "nothing new."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Render with this customer's facts (name, points, tier, badges, expiring "
        "points); without it, a sample customer's. The event's facts (points earned, voucher, "
        "reward, links) are always samples.",
    )
    locale: str | None = strawberry.field(
        default=None,
        description="BCP 47; default: the customer's locale, else the template's fallback.",
    )
    version: int | None = strawberry.field(
        default=None, description="A saved version; default: the current one."
    )

    def request(self) -> TestMessageRequest:
        """The request with its ids parsed; a DomainError names a malformed one."""
        problems = Problems()
        template_id = parse_id(problems, "templateId", self.template_id)
        customer_id = (
            None if self.customer_id is None else parse_id(problems, "customerId", self.customer_id)
        )
        problems.raise_if_any()
        return TestMessageRequest(
            template_id=template_id,
            to=self.to,
            idempotency_key=self.idempotency_key,
            customer_id=customer_id,
            locale=self.locale,
            version=self.version,
        )


@strawberry.input(
    description="A built-in notification's whole setting: what is left out is cleared "
    "(no template on that channel, no thresholds, daysBefore 7)."
)
class SetBuiltInNotificationInput:
    kind: BuiltInNotificationKind  # type: ignore[valid-type]
    enabled: bool
    email_template_id: strawberry.ID | None = strawberry.field(
        default=None, description="An EMAIL template."
    )
    text_template_id: strawberry.ID | None = strawberry.field(
        default=None, description="An SMS or MMS template."
    )
    thresholds: list[int] | None = strawberry.field(
        default=None,
        description="THRESHOLD_REACHED only (required when on): balances, each notified at "
        "every upward crossing; at most 20, each once.",
    )
    days_before: int | None = strawberry.field(
        default=None, description="POINTS_EXPIRING only: 1 to 365 days (default 7)."
    )

    def wanted(self) -> BuiltInInput:
        return BuiltInInput(
            kind=BuiltInKind(self.kind),
            enabled=self.enabled,
            email_template_id=self.email_template_id,
            text_template_id=self.text_template_id,
            thresholds=None if self.thresholds is None else tuple(self.thresholds),
            days_before=self.days_before,
        )
