"""Price rules conditioned on a saved segment: condition SEGMENT names one in `segment`.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "(condition = 'NONE' AND cardinality(badge_ids) = 0 AND cardinality(category_ids) = 0)"
    " OR (condition IN ('ANY_BADGE', 'ALL_BADGES') AND cardinality(badge_ids) > 0"
    " AND cardinality(category_ids) = 0)"
    " OR (condition = 'CATEGORY' AND cardinality(category_ids) > 0"
    " AND cardinality(badge_ids) = 0)"
)
AFTER = (
    "(condition = 'NONE' AND cardinality(badge_ids) = 0 AND cardinality(category_ids) = 0"
    " AND segment IS NULL)"
    " OR (condition IN ('ANY_BADGE', 'ALL_BADGES') AND cardinality(badge_ids) > 0"
    " AND cardinality(category_ids) = 0 AND segment IS NULL)"
    " OR (condition = 'CATEGORY' AND cardinality(category_ids) > 0"
    " AND cardinality(badge_ids) = 0 AND segment IS NULL)"
    " OR (condition = 'SEGMENT' AND segment IS NOT NULL"
    " AND cardinality(badge_ids) = 0 AND cardinality(category_ids) = 0)"
)


def upgrade() -> None:
    op.add_column("price_rules", sa.Column("segment", sa.Text))
    op.drop_constraint(op.f("ck_price_rules_condition"), "price_rules", type_="check")
    op.create_check_constraint(op.f("ck_price_rules_condition"), "price_rules", AFTER)


def downgrade() -> None:
    # Before 0031 a rule cannot say "in a saved segment": such rules go (kept as any other
    # condition, or as NONE, they would price for customers they were never meant for).
    op.execute("DELETE FROM price_rules WHERE condition = 'SEGMENT'")
    op.drop_constraint(op.f("ck_price_rules_condition"), "price_rules", type_="check")
    op.create_check_constraint(op.f("ck_price_rules_condition"), "price_rules", BEFORE)
    op.drop_column("price_rules", "segment")
