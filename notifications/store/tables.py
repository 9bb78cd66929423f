"""Message templates and their versions; this package owns both tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

message_templates = Table(
    "message_templates",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("channel", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    # The current version's fallback locale (each version keeps its own too).
    Column("fallback_locale", Text, nullable=False),
    Column("current_version", Integer, nullable=False),
    # The key of the create that made it, and what that create asked for.
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("channel IN ('EMAIL', 'SMS', 'MMS')", name="channel_known"),
    CheckConstraint("purpose IN ('MARKETING', 'TRANSACTIONAL')", name="purpose_known"),
    CheckConstraint("current_version >= 1", name="current_version_positive"),
)

# Every version ever saved, never changed: {locale: {subject, html, text}} for an email,
# {locale: {text}} for an SMS, {locale: {text, mediaUrls}} for an MMS.
message_template_versions = Table(
    "message_template_versions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column(
        "template_id",
        BigInteger,
        ForeignKey("message_templates.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("fallback_locale", Text, nullable=False),
    Column("translations", JSONB, nullable=False),
    Column("actor", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("template_id", "version"),
    CheckConstraint("version >= 1", name="version_positive"),
)
