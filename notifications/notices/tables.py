"""Notice recipients, the notices' settings, and what the promotion job has noticed; this
package owns all four tables. They are program-wide and small (a few rows per shop), so
they carry no customer_id: on a distributed PostgreSQL they are replicated to every node."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.metadata import metadata

KINDS = (
    "PROMOTION_STARTED",
    "LARGE_ADJUSTMENT",
    "GIFT_RUN_FINISHED",
    "EXPIRY_RUN_FINISHED",
    "FUNNEL_STEP",
    "WEBHOOK_DISABLED",
)

# An address that receives notices of some kinds: about one shop (a shop code as purchases
# use) or, with no shop, about every shop.
notice_recipients = Table(
    "notice_recipients",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("shop", Text),
    Column("email", Text, nullable=False),  # lower case
    Column("kinds", ARRAY(Text), nullable=False),
    # The key of the create that made it, and what that create asked for.
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "cardinality(kinds) >= 1 AND kinds <@ ARRAY["
        + ", ".join(f"'{kind}'" for kind in KINDS)
        + "]::text[]",
        name="kinds_known",
    ),
    # An address once per shop, and once program-wide (null shops are not equal in a
    # plain unique index, hence two partial ones).
    Index(
        "uq_notice_recipients_program_email",
        "email",
        unique=True,
        postgresql_where=text("shop IS NULL"),
    ),
    Index(
        "uq_notice_recipients_shop_email",
        "shop",
        "email",
        unique=True,
        postgresql_where=text("shop IS NOT NULL"),
    ),
)

# The notices' settings: one row (absent: the defaults, notices/models.py).
notice_settings = Table(
    "notice_settings",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    # A manual adjustment of at least this many points (credit or debit) is noticed.
    Column("large_adjustment_points", Integer, nullable=False),
    Column("actor", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="one_row"),
    CheckConstraint("large_adjustment_points > 0", name="threshold_positive"),
)

# Each promotion start noticed, once: (promotion, start time). A start moved later or
# earlier is a new start, noticed again.
notice_promotion_starts = Table(
    "notice_promotion_starts",
    metadata,
    Column("promotion_id", BigInteger, primary_key=True),
    Column("starts_at", DateTime(timezone=True), primary_key=True),
    Column("customers", BigInteger, nullable=False),  # counted when noticed
    Column("noticed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# How far each notice job has looked (its row is locked while it runs, so runs take turns).
notice_watermarks = Table(
    "notice_watermarks",
    metadata,
    Column("job", Text, primary_key=True),
    Column("until", DateTime(timezone=True), nullable=False),
)
