"""Webhook subscriptions and their deliveries (one per subscription and event, ever)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from domain.metadata import metadata

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("url", Text, nullable=False),
    # Event types as the payload names them (POINTS_EARNED, ...): domain/webhooks/events.py.
    Column("event_types", ARRAY(Text), nullable=False),
    # whsec_ + base64 of 24 random bytes: kept readable, HMAC needs the key itself.
    Column("secret", Text, nullable=False),
    Column("description", Text),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # Failed attempts since the last success; at the configured run the subscription is
    # disabled (active false, disabled_at set) until staff make it active again.
    Column("consecutive_failures", Integer, nullable=False, server_default=text("0")),
    Column("disabled_at", DateTime(timezone=True)),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("request_digest", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column(
        "subscription_id",
        BigInteger,
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # The domain event delivered (its id orders a customer's deliveries) and its customer
    # (null: a program-wide event; those are ordered among themselves).
    Column("event_id", BigInteger, nullable=False),
    Column("customer_id", BigInteger),
    # The queue the delivery waits in for its subscription: the customer's id, 0 for the
    # program-wide events (customer ids start at 1), so that the indexes can serve it.
    Column("queue_key", BigInteger, nullable=False),
    Column("event_type", Text, nullable=False),
    # The body's data and timestamp, as the event recorded them.
    Column("payload", JSONB, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False, server_default=text("'PENDING'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    # When to try next; 'infinity' while an earlier delivery of its queue is pending (parked:
    # made due when that one is delivered or given up), so that senders scan only heads.
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A sender's lease on the head delivery while its request is under way; a sender that
    # died leaves it to run out, and the delivery is tried again (at least once).
    Column("locked_until", DateTime(timezone=True)),
    # Retries stop when the next would be this long after it (3 days by default); a manual
    # redelivery starts the window again.
    Column("retry_from", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", DateTime(timezone=True)),
    Column("redelivery_key", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_event"),
    CheckConstraint(
        "status IN ('PENDING', 'DELIVERED', 'FAILED')", name="ck_webhook_deliveries_status"
    ),
    # A queue's pending deliveries in order (is there an earlier one?), and the due ones.
    Index(
        "ix_webhook_deliveries_pending",
        "subscription_id",
        "queue_key",
        "event_id",
        postgresql_where=text("status = 'PENDING'"),
    ),
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status = 'PENDING'"),
    ),
    Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
)
