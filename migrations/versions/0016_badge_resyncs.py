"""Badge changes re-sync their holders in chunks instead of under a lock on every balance:
the state of each badge's latest re-sync (badge_resyncs), and sync_badges_of, the one sync
of held badges with points for a set of customers, which sync_badges (the balance trigger's
single customer, or everyone) now calls.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 09:12:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The one sync of held badges with points, now for a set of customers (only_customers; null:
# every customer) so that a re-sync can take its customers a chunk at a time. Otherwise as
# 0009's sync_badges: it adds the badges whose range now covers the customer's points and
# removes those that no longer do, logs each change in badge_changes (losses first, with the
# points that caused it) and writes a BadgeUnlocked / BadgeLost event for it, all in one
# statement, and returns how many badges were unlocked and lost. Dynamic SQL on purpose: each
# call is planned with its own arguments (a chunk walks the indexes with its array). The
# badges held are read by customer first (`theirs`, on the primary key) and only then for the
# one badge: planned together, `badge_id = $2` may pick the badge's index and read all its
# holders for every chunk, since during a re-sync the statistics lag behind their number.
_SYNC_OF_FUNCTION = """
    CREATE FUNCTION sync_badges_of(only_customers bigint[], only_badge bigint, cause text,
                                   OUT unlocked bigint, OUT lost bigint)
    LANGUAGE plpgsql AS $fn$
    BEGIN
        EXECUTE $sync$
        WITH acc AS (
            SELECT customer_id, balance, lifetime_earned FROM point_accounts
             WHERE $1 IS NULL OR customer_id = ANY($1)),
        due AS (
            SELECT a.customer_id, b.id AS badge_id
              FROM acc a JOIN badges b
                ON b.active AND ($2 IS NULL OR b.id = $2)
               AND badge_covers(b.basis, b.min_points, b.max_points,
                                a.balance, a.lifetime_earned)),
        theirs AS MATERIALIZED (
            SELECT customer_id, badge_id FROM customer_badges
             WHERE $1 IS NULL OR customer_id = ANY($1)),
        held AS (
            SELECT customer_id, badge_id FROM theirs WHERE $2 IS NULL OR badge_id = $2),
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
        $sync$ INTO unlocked, lost USING only_customers, only_badge, cause;
    END
    $fn$
"""

# The balance trigger keeps calling sync_badges(customer, NULL, 'POINTS'); it now delegates,
# so that the statement that writes badge changes and their events exists once.
_SYNC_WRAPPER = """
    CREATE OR REPLACE FUNCTION sync_badges(only_customer bigint, only_badge bigint, cause text,
                                           OUT unlocked bigint, OUT lost bigint)
    LANGUAGE sql AS $fn$
        SELECT s.unlocked, s.lost
          FROM sync_badges_of(CASE WHEN only_customer IS NULL THEN NULL
                                   ELSE ARRAY[only_customer] END,
                              only_badge, cause) s
    $fn$
"""

# 0009's sync_badges, as it was before this revision (for the downgrade).
_SYNC_0009 = """
    CREATE OR REPLACE FUNCTION sync_badges(only_customer bigint, only_badge bigint, cause text,
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


def upgrade() -> None:
    op.create_table(
        "badge_resyncs",
        sa.Column("badge_id", sa.BigInteger(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("through_customer_id", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_customer_id", sa.BigInteger(), nullable=True),
        sa.Column("customers_total", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("customers_done", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("unlocked", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("lost", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "progressed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "finished_at IS NULL OR last_customer_id IS NOT NULL",
            name=op.f("ck_badge_resyncs_finished_when_started"),
        ),
        sa.ForeignKeyConstraint(
            ["badge_id"], ["badges.id"], name=op.f("fk_badge_resyncs_badge_id_badges")
        ),
        sa.PrimaryKeyConstraint("badge_id", name=op.f("pk_badge_resyncs")),
    )
    # The badges that exist were synced in the transaction that changed them: done.
    op.execute(
        "INSERT INTO badge_resyncs (badge_id, generation, last_customer_id, "
        "through_customer_id, started_at, progressed_at, finished_at) "
        "SELECT id, 1, 0, 0, updated_at, updated_at, updated_at FROM badges"
    )
    op.execute(_SYNC_OF_FUNCTION)
    op.execute(_SYNC_WRAPPER)


def downgrade() -> None:
    op.execute(_SYNC_0009)
    op.execute("DROP FUNCTION sync_badges_of(bigint[], bigint, text)")
    op.drop_table("badge_resyncs")
