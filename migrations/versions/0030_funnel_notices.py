"""Staff notices of funnels' notifyStaff steps: notice recipients may receive FUNNEL_STEP.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 05:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("PROMOTION_STARTED", "LARGE_ADJUSTMENT", "GIFT_RUN_FINISHED", "EXPIRY_RUN_FINISHED")
AFTER = (*BEFORE, "FUNNEL_STEP")


def _check(kinds: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    return f"cardinality(kinds) >= 1 AND kinds <@ ARRAY[{listed}]::text[]"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_notice_recipients_kinds_known"), "notice_recipients", type_="check")
    op.create_check_constraint(
        op.f("ck_notice_recipients_kinds_known"), "notice_recipients", _check(AFTER)
    )


def downgrade() -> None:
    op.execute("UPDATE notice_recipients SET kinds = array_remove(kinds, 'FUNNEL_STEP')")
    op.execute("DELETE FROM notice_recipients WHERE cardinality(kinds) = 0")
    op.drop_constraint(op.f("ck_notice_recipients_kinds_known"), "notice_recipients", type_="check")
    op.create_check_constraint(
        op.f("ck_notice_recipients_kinds_known"), "notice_recipients", _check(BEFORE)
    )
