"""The messages table: one row per message to one recipient on one channel, which is the
outbox its sending works from and the delivery log it is read as."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

STATUSES = (
    "QUEUED", "DEFERRED", "SENDING", "SENT", "DELIVERED", "FAILED", "SUPPRESSED", "UNCERTAIN",
    "CAPTURED",
)  # fmt: skip

messages = Table(
    "messages",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    # Null for an internal notice to staff (no customer).
    Column("customer_id", BigInteger),
    Column("channel", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    # What the message is for, unique: the same event, customer, channel and notification
    # (or funnel step) never makes a second message.
    Column("dedupe_key", Text, nullable=False, unique=True),
    Column("recipient", Text, nullable=False),
    Column("template_id", BigInteger),
    Column("template_version", Integer),
    # The rendered parts: {"subject", "text", "html"} or {"text", "mediaUrls"}.
    Column("content", JSONB, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'QUEUED'")),
    Column("status_reason", Text),
    Column("provider_id", Text),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    # Not sent before this time (a retry's backoff, quiet hours, a frequency cap).
    Column("not_before", DateTime(timezone=True)),
    # The last claim by a sender, and whether it went on to call the provider: a message
    # found SENDING with handed_at set may have been sent (UNCERTAIN), without it not.
    Column("claimed_at", DateTime(timezone=True)),
    Column("handed_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A test message (sendTestMessage, no customer) rendered with a customer's facts: whose
    # they are, so that her erasure empties it and her export lists it (migration 0052).
    Column("rendered_for_customer_id", BigInteger),
    CheckConstraint("channel IN ('EMAIL', 'SMS', 'MMS')", name="channel"),
    CheckConstraint("purpose IN ('MARKETING', 'TRANSACTIONAL')", name="purpose"),
    CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status"),
    CheckConstraint("attempts >= 0", name="attempts"),
    Index("ix_messages_customer_created", "customer_id", "created_at"),
    Index(
        "ix_messages_rendered_for",
        "rendered_for_customer_id",
        postgresql_where=text("rendered_for_customer_id IS NOT NULL"),
    ),
    # Twilio's status callbacks name a message by its SID.
    Index("ix_messages_provider_id", "provider_id"),
    # The sender's sweeps: due messages, and messages left SENDING by a crash.
    Index(
        "ix_messages_pending",
        "status",
        "not_before",
        postgresql_where=text("status IN ('QUEUED', 'DEFERRED', 'SENDING')"),
    ),
)
