"""Staff users, their console sessions, and failed sign-ins counted per email address."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    func,
    text,
)

from domain.metadata import metadata

staff_users = Table(
    "staff_users",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    # Stored lower case (ASCII only: domain.staff.users.staff_email), so uniqueness is
    # case-insensitive without an expression index.
    Column("email", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),
    # argon2id in its PHC string form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column(
        "password_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()
    ),
    Column("disabled_at", DateTime(timezone=True)),
    CheckConstraint("email = lower(email)", name="email_lower_case"),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("staff_users.id"), nullable=False),
    # SHA-256 of the session token: the token itself is only ever in the client's hands.
    Column("token_hash", Text, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Refreshed at most once a minute (domain.staff.sessions), not on every request.
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    # The absolute end of the session, fixed when it opens.
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

staff_login_failures = Table(
    "staff_login_failures",
    metadata,
    # Keyed by the email tried, known or not, so that a lockout says nothing about whether
    # an account exists. A success deletes the row; rows quiet for a day are pruned.
    Column("email", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", DateTime(timezone=True), nullable=False, index=True),
    Column("locked_until", DateTime(timezone=True)),
    CheckConstraint("failures > 0", name="failures_positive"),
)

# Sessions are looked up by token hash; this serves "end every open session of a user"
# (disable, set-password) without reading the ended ones.
Index(
    "ix_staff_sessions_open_by_user",
    staff_sessions.c.user_id,
    postgresql_where=text("revoked_at IS NULL"),
)
