"""A message as the delivery log shows it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from notifications.delivery.models import Message, Status
from schema.notifications.types import MessageChannel, MessagePurpose

MessageStatusEnum = strawberry.enum(
    Status,
    name="MessageStatus",
    description="QUEUED, DEFERRED (held back until notBefore), SENDING, SENT (the provider "
    "took it), DELIVERED, FAILED, SUPPRESSED (not sent on purpose: statusReason says why), "
    "UNCERTAIN (a sender stopped after handing it to the provider: maybe sent, never resent) "
    "and CAPTURED (the sandbox: rendered and kept, never sent).",
)


@strawberry.type(name="Message", description="One message to one recipient on one channel.")
class MessageType:
    id: strawberry.ID
    customer_id: strawberry.ID | None
    is_test: bool = strawberry.field(
        description="A test message a marketer sent to their own address or phone "
        "(sendTestMessage): it has no customer."
    )
    channel: MessageChannel  # type: ignore[valid-type]
    purpose: MessagePurpose  # type: ignore[valid-type]
    recipient: str = strawberry.field(description="The email address or the phone (E.164).")
    template_id: strawberry.ID | None
    template_version: int | None
    subject: str | None = strawberry.field(description="Email only.")
    text: str | None = strawberry.field(description="The text body, or the SMS/MMS text.")
    html: str | None = strawberry.field(description="Email only, when it has an HTML body.")
    media_urls: list[str] = strawberry.field(description="MMS only.")
    status: MessageStatusEnum  # type: ignore[valid-type]
    status_reason: str | None = strawberry.field(
        description="Why it was suppressed, failed (the provider's code) or is uncertain."
    )
    provider_id: str | None = strawberry.field(
        description="The provider's id: Twilio's message SID, the email's Message-ID."
    )
    attempts: int
    last_error: str | None
    not_before: datetime | None
    sent_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, m: Message) -> MessageType:
        parts = m.content
        return cls(
            id=strawberry.ID(str(m.id)),
            customer_id=None if m.customer_id is None else strawberry.ID(str(m.customer_id)),
            is_test=m.is_test,
            channel=m.channel,
            purpose=m.purpose,
            recipient=m.recipient,
            template_id=None if m.template_id is None else strawberry.ID(str(m.template_id)),
            template_version=m.template_version,
            subject=parts.get("subject"),
            text=parts.get("text"),
            html=parts.get("html"),
            media_urls=list(parts.get("mediaUrls", [])),
            status=m.status,
            status_reason=m.status_reason,
            provider_id=m.provider_id,
            attempts=m.attempts,
            last_error=m.last_error,
            not_before=m.not_before,
            sent_at=m.sent_at,
            created_at=m.created_at,
        )


@strawberry.type(name="MessageStatusTotal")
class MessageStatusTotalType:
    status: MessageStatusEnum  # type: ignore[valid-type]
    count: int
