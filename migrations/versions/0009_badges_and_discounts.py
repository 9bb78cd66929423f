"""Badges kept in step with balances by a trigger, and price rules (conditional discounts
and member prices).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 22:41:00.111965
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# What a badge measures, and whether a value lies in its range (both bounds inclusive, a null
# top is no top). Plain SQL expressions, so PostgreSQL inlines them into the queries below.
_POINTS_FUNCTIONS = (
    """
    CREATE FUNCTION badge_points(basis text, balance bigint, lifetime_earned bigint)
    RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE basis WHEN 'LIFETIME' THEN lifetime_earned ELSE balance END
    $$
    """,
    """
    CREATE FUNCTION badge_covers(basis text, min_points bigint, max_points bigint,
                                 balance bigint, lifetime_earned bigint)
    RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT badge_points(basis, balance, lifetime_earned) >= min_points
           AND (max_points IS NULL
                OR badge_points(basis, balance, lifetime_earned) <= max_points)
    $$
    """,
)

# The one sync of held badges with points: for one customer (only_customer) or every
# customer (null), for one badge (only_badge) or every badge (null). It adds the badges whose
# range now covers the customer's points and removes those that no longer do, logs each
# change in badge_changes (losses first, with the points that caused it) and writes a
# BadgeUnlocked / BadgeLost event for it, all in one statement; it returns how many badges
# were unlocked and lost. Dynamic SQL on purpose: each call is planned with its own
# arguments, so one customer's sync walks indexes and a sync of every customer hashes whole
# tables (a cached generic plan suits only one of them).
_SYNC_FUNCTION = """
    CREATE FUNCTION sync_badges(only_customer bigint, only_badge bigint, cause text,
                                OUT unlocked bigint, OUT lost bigint)
    LANGUAGE plpgsql AS $fn$
    BEGIN
        EXECUTE $sync$
        WITH acc AS (
            SELECT customer_id, balance, lifetime_earned FROM point_accounts
             WHERE $1 IS NULL OR customer_id = $1),
        due AS (
            SELECT a.customer_id, b.id AS badge_id
              FROM acc a JOIN badges b
                ON b.active AND ($2 IS NULL OR b.id = $2)
               AND badge_covers(b.basis, b.min_points, b.max_points,
                                a.balance, a.lifetime_earned)),
        held AS (
            SELECT customer_id, badge_id FROM customer_badges
             WHERE ($1 IS NULL OR customer_id = $1) AND ($2 IS NULL OR badge_id = $2)),
        gained AS (
            INSERT INTO customer_badges (customer_id, badge_id, unlocked_at)
            SELECT customer_id, badge_id, clock_timestamp()
              FROM (SELECT * FROM due EXCEPT SELECT * FROM held) g
            RETURNING customer_id, badge_id),
        lost AS (
            DELETE FROM customer_badges cb
             USING (SELECT * FROM held EXCEPT SELECT * FROM due) l
             WHERE cb.customer_id = l.customer_id AND cb.badge_id = l.badge_id
            RETURNING cb.customer_id, cb.badge_id),
        logged AS (
            INSERT INTO badge_changes (customer_id, badge_id, change, points, cause)
            SELECT c.customer_id, c.badge_id, c.change,
                   badge_points(b.basis, a.balance, a.lifetime_earned), $3
              FROM (SELECT customer_id, badge_id, 'LOST' AS change FROM lost
                    UNION ALL
                    SELECT customer_id, badge_id, 'UNLOCKED' FROM gained) c
              JOIN acc a USING (customer_id)
              JOIN badges b ON b.id = c.badge_id
             ORDER BY c.customer_id, c.change, b.min_points, b.id
            RETURNING id, customer_id, badge_id, change, points, cause),
        ev AS (
            INSERT INTO domain_events (type, customer_id, payload)
            SELECT CASE l.change WHEN 'UNLOCKED' THEN 'BadgeUnlocked' ELSE 'BadgeLost' END,
                   l.customer_id,
                   jsonb_build_object('badge_id', l.badge_id, 'change_id', l.id,
                                      'basis', b.basis, 'points', l.points, 'cause', l.cause)
              FROM logged l JOIN badges b ON b.id = l.badge_id
             ORDER BY l.id)
        SELECT count(*) FILTER (WHERE change = 'UNLOCKED'), count(*) FILTER (WHERE change = 'LOST')
          FROM logged
        $sync$ INTO unlocked, lost USING only_customer, only_badge, cause;
    END
    $fn$
"""

# Runs for each balance change, deferred to the end of its transaction (the end of the
# statement, for the hot paths' single statements run in autocommit): held badges never
# disagree with committed points, whatever the write path, and a transaction that moves the
# points several times is synced once against its final points (its events come after its
# points events). Most changes cross no badge's bounds: the cheap test on the few badges
# skips the sync then; a transaction whose points end where a badge changes crossed that
# badge's bounds in at least one of its changes, so the sync runs.
_TRIGGER_FUNCTION = """
    CREATE FUNCTION point_accounts_sync_badges() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM badges b
             WHERE b.active
               AND badge_covers(b.basis, b.min_points, b.max_points,
                                NEW.balance, NEW.lifetime_earned)
                   IS DISTINCT FROM
                   (TG_OP = 'UPDATE'
                    AND badge_covers(b.basis, b.min_points, b.max_points,
                                     OLD.balance, OLD.lifetime_earned))
        ) THEN
            PERFORM sync_badges(NEW.customer_id, NULL, 'POINTS');
        END IF;
        RETURN NULL;
    END
    $fn$
"""

SYNC_SQL = (
    *_POINTS_FUNCTIONS,
    _SYNC_FUNCTION,
    _TRIGGER_FUNCTION,
    "CREATE CONSTRAINT TRIGGER point_accounts_badges_on_insert AFTER INSERT ON point_accounts "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION point_accounts_sync_badges()",
    "CREATE CONSTRAINT TRIGGER point_accounts_badges_on_update "
    "AFTER UPDATE OF balance, lifetime_earned ON point_accounts "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
    "WHEN (OLD.balance IS DISTINCT FROM NEW.balance "
    "OR OLD.lifetime_earned IS DISTINCT FROM NEW.lifetime_earned) "
    "EXECUTE FUNCTION point_accounts_sync_badges()",
    """
    CREATE FUNCTION badge_changes_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'badge_changes is append-only (% refused)', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    "CREATE TRIGGER badge_changes_append_only BEFORE UPDATE OR DELETE ON badge_changes "
    "FOR EACH ROW EXECUTE FUNCTION badge_changes_append_only()",
)

UNDO_SYNC_SQL = (
    "DROP TRIGGER badge_changes_append_only ON badge_changes",
    "DROP FUNCTION badge_changes_append_only()",
    "DROP TRIGGER point_accounts_badges_on_update ON point_accounts",
    "DROP TRIGGER point_accounts_badges_on_insert ON point_accounts",
    "DROP FUNCTION point_accounts_sync_badges()",
    "DROP FUNCTION sync_badges(bigint, bigint, text)",
    "DROP FUNCTION badge_covers(text, bigint, bigint, bigint, bigint)",
    "DROP FUNCTION badge_points(text, bigint, bigint)",
)


def upgrade() -> None:
    op.create_table(
        "badges",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("icon_url", sa.Text(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("min_points", sa.BigInteger(), nullable=False),
        sa.Column("max_points", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("request_digest", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("basis IN ('BALANCE', 'LIFETIME')", name=op.f("ck_badges_basis")),
        sa.CheckConstraint(
            "min_points >= 0 AND (max_points IS NULL OR max_points > min_points)",
            name=op.f("ck_badges_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_badges_idempotency_key")),
    )
    op.create_table(
        "price_rules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("percent_bp", sa.Integer(), nullable=True),
        sa.Column("amount_off_minor", sa.BigInteger(), nullable=True),
        sa.Column("member_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column(
            "skus", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column(
            "product_lines",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("condition", sa.Text(), nullable=False),
        sa.Column(
            "badge_ids",
            postgresql.ARRAY(sa.BigInteger()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "category_ids",
            postgresql.ARRAY(sa.BigInteger()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "include_discounted", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("request_digest", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            (
                "(condition = 'NONE' AND cardinality(badge_ids) = 0"
                " AND cardinality(category_ids) = 0)"
                " OR (condition IN ('ANY_BADGE', 'ALL_BADGES') AND cardinality(badge_ids) > 0"
                " AND cardinality(category_ids) = 0) OR (condition = 'CATEGORY'"
                " AND cardinality(category_ids) > 0 AND cardinality(badge_ids) = 0)"
            ),
            name=op.f("ck_price_rules_condition"),
        ),
        sa.CheckConstraint(
            (
                "(effect = 'PERCENT' AND percent_bp BETWEEN 1 AND 10000"
                " AND amount_off_minor IS NULL AND member_price_minor IS NULL)"
                " OR (effect = 'AMOUNT_OFF' AND amount_off_minor > 0 AND percent_bp IS NULL"
                " AND member_price_minor IS NULL) OR (effect = 'MEMBER_PRICE'"
                " AND member_price_minor >= 0 AND percent_bp IS NULL"
                " AND amount_off_minor IS NULL)"
            ),
            name=op.f("ck_price_rules_effect"),
        ),
        sa.CheckConstraint(
            (
                "(scope = 'ALL' AND cardinality(skus) = 0 AND cardinality(product_lines) = 0)"
                " OR (scope = 'SKUS' AND cardinality(skus) > 0"
                " AND cardinality(product_lines) = 0) OR (scope = 'PRODUCT_LINES'"
                " AND cardinality(product_lines) > 0 AND cardinality(skus) = 0)"
            ),
            name=op.f("ck_price_rules_scope"),
        ),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from",
            name=op.f("ck_price_rules_window"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_rules")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_price_rules_idempotency_key")),
    )
    op.create_table(
        "badge_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("badge_id", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint("cause IN ('POINTS', 'BADGE')", name=op.f("ck_badge_changes_cause")),
        sa.CheckConstraint("change IN ('UNLOCKED', 'LOST')", name=op.f("ck_badge_changes_change")),
        sa.ForeignKeyConstraint(
            ["badge_id"], ["badges.id"], name=op.f("fk_badge_changes_badge_id_badges")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_badge_changes_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_changes")),
    )
    op.create_index("ix_badge_changes_badge_id", "badge_changes", ["badge_id"], unique=False)
    op.create_index(
        "ix_badge_changes_customer_id_id", "badge_changes", ["customer_id", "id"], unique=False
    )
    op.create_table(
        "customer_badges",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("badge_id", sa.BigInteger(), nullable=False),
        sa.Column("unlocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["badge_id"], ["badges.id"], name=op.f("fk_customer_badges_badge_id_badges")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_badges_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("customer_id", "badge_id", name=op.f("pk_customer_badges")),
    )
    op.create_index("ix_customer_badges_badge_id", "customer_badges", ["badge_id"], unique=False)
    for statement in SYNC_SQL:
        op.execute(statement)


def downgrade() -> None:
    for statement in UNDO_SYNC_SQL:
        op.execute(statement)
    op.drop_index("ix_customer_badges_badge_id", table_name="customer_badges")
    op.drop_table("customer_badges")
    op.drop_index("ix_badge_changes_customer_id_id", table_name="badge_changes")
    op.drop_index("ix_badge_changes_badge_id", table_name="badge_changes")
    op.drop_table("badge_changes")
    op.drop_table("price_rules")
    op.drop_table("badges")
