"""A message as the delivery log knows it, and what a new one is made of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from notifications.store.models import Purpose
from notifications.templates.content import Channel

__all__ = [
    "TEST_KEY_PREFIX",
    "Channel",
    "Message",
    "NewMessage",
    "Purpose",
    "Status",
    "message_from",
]

# The dedupe keys of test messages (notifications/proofs.py) start with it, and only theirs.
TEST_KEY_PREFIX = "test:"


class Status(StrEnum):
    QUEUED = "QUEUED"  # waiting for a sender (not before `not_before`)
    DEFERRED = "DEFERRED"  # held back by quiet hours or a cap, until `not_before`
    SENDING = "SENDING"  # a sender claimed it
    SENT = "SENT"  # the provider accepted it
    DELIVERED = "DELIVERED"  # the provider reported it delivered
    FAILED = "FAILED"  # refused for good, or out of attempts
    SUPPRESSED = "SUPPRESSED"  # not sent, on purpose (`status_reason`: no consent...)
    UNCERTAIN = "UNCERTAIN"  # a sender died after handing it to the provider: maybe sent
    CAPTURED = "CAPTURED"  # the sandbox: rendered and kept, never sent


@dataclass(frozen=True)
class NewMessage:
    dedupe_key: str
    channel: Channel
    purpose: Purpose
    recipient: str  # an email address, or a phone in E.164
    content: Mapping[str, Any]  # the rendered parts
    customer_id: int | None = None
    template_id: int | None = None
    template_version: int | None = None
    not_before: datetime | None = None
    # A message that could not be made (its template failed to render for this customer)
    # is recorded FAILED at once, with the reason and the problem: the log shows it, and
    # nothing sends it.
    status: Status = Status.QUEUED
    status_reason: str | None = None
    last_error: str | None = None
    # A test message rendered with a customer's facts: that customer (customer_id stays
    # None: the message is not hers, but it holds her data).
    rendered_for_customer_id: int | None = None


@dataclass(frozen=True)
class Message:
    id: int
    dedupe_key: str
    customer_id: int | None
    channel: Channel
    purpose: Purpose
    recipient: str
    content: Mapping[str, Any]
    template_id: int | None
    template_version: int | None
    status: Status
    status_reason: str | None
    provider_id: str | None
    attempts: int
    last_error: str | None
    not_before: datetime | None
    claimed_at: datetime | None
    handed_at: datetime | None
    sent_at: datetime | None
    created_at: datetime

    @property
    def is_test(self) -> bool:
        """A test message a marketer sent to themselves (sendTestMessage), not a customer's."""
        return self.dedupe_key.startswith(TEST_KEY_PREFIX)


def message_from(row: Any) -> Message:
    """The message of a `messages` row: a SQLAlchemy row, or a mapping (a driver's record)."""
    m = getattr(row, "_mapping", row)
    return Message(
        id=m["id"],
        dedupe_key=m["dedupe_key"],
        customer_id=m["customer_id"],
        channel=Channel(m["channel"]),
        purpose=Purpose(m["purpose"]),
        recipient=m["recipient"],
        content=m["content"],
        template_id=m["template_id"],
        template_version=m["template_version"],
        status=Status(m["status"]),
        status_reason=m["status_reason"],
        provider_id=m["provider_id"],
        attempts=m["attempts"],
        last_error=m["last_error"],
        not_before=m["not_before"],
        claimed_at=m["claimed_at"],
        handed_at=m["handed_at"],
        sent_at=m["sent_at"],
        created_at=m["created_at"],
    )
