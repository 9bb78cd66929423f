"""Customers become reachable: locale (BCP 47), time zone (IANA), birth date, the phone in
E.164, and consent_changes, the history of every change of consent with its source.

Phones: until now a phone was free text checked by a loose pattern. Each stored phone that
phonenumbers reads as a valid number in international format (+39 340..., 0039 340...) is
rewritten in E.164. The others (national numbers, which no stored locale can place yet, and
anything invalid) would fail the new validation, so they leave `phone` (set to null) and
are kept, as they were written, in the customer's attributes under `legacyPhone`, where
staff find them and can set the phone again in a form that validates. Nothing is lost, and
the downgrade puts them back.

Consent history starts with this migration: the current consent of existing customers is
not recorded as a change (nobody knows who gave it or when, and inventing a source and a
time would be worse than an honest gap). docs/api.md says so.

consent_changes carries customer_id (DESIGN.md §5): it belongs to one customer, and its
index (customer_id, changed_at) reads one customer's history.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 23:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    op.add_column("customers", sa.Column("locale", sa.Text(), nullable=True))
    op.add_column("customers", sa.Column("time_zone", sa.Text(), nullable=True))
    op.add_column("customers", sa.Column("birth_date", sa.Date(), nullable=True))
    op.create_table(
        "consent_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channel IN ('EMAIL', 'SMS')", name=op.f("ck_consent_changes_channel_known")
        ),
        sa.CheckConstraint(
            "source IN ('STAFF', 'CUSTOMER', 'STOP_KEYWORD', 'UNSUBSCRIBE_LINK')",
            name=op.f("ck_consent_changes_source_known"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_consent_changes_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_changes")),
    )
    op.create_index(
        "ix_consent_changes_customer_changed_at",
        "consent_changes",
        ["customer_id", "changed_at"],
        unique=False,
    )
    _phones_to_e164()


def _phones_to_e164() -> None:
    """Rewrite the stored phones in E.164, in batches by id; keep the unreadable ones in
    attributes.legacyPhone (see the module's docstring)."""
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, phone FROM customers WHERE phone IS NOT NULL AND id > :after "
                "ORDER BY id LIMIT :batch"
            ),
            {"after": after, "batch": _BATCH},
        ).all()
        if not rows:
            return
        for customer_id, phone in rows:
            e164 = _e164(phone)
            if e164 == phone:
                continue
            if e164 is not None:
                conn.execute(
                    sa.text("UPDATE customers SET phone = :phone WHERE id = :id"),
                    {"phone": e164, "id": customer_id},
                )
            else:
                conn.execute(
                    sa.text(
                        "UPDATE customers SET phone = NULL, attributes = attributes || "
                        "jsonb_build_object('legacyPhone', phone) WHERE id = :id"
                    ),
                    {"id": customer_id},
                )
        after = rows[-1][0]


def _e164(phone: str) -> str | None:
    text = phone.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def downgrade() -> None:
    # The phones set aside come back; those rewritten in E.164 stay so (still valid text).
    op.execute(
        "UPDATE customers SET phone = attributes ->> 'legacyPhone', "
        "attributes = attributes - 'legacyPhone' "
        "WHERE phone IS NULL AND attributes ? 'legacyPhone'"
    )
    op.drop_index("ix_consent_changes_customer_changed_at", table_name="consent_changes")
    op.drop_table("consent_changes")
    op.drop_column("customers", "birth_date")
    op.drop_column("customers", "time_zone")
    op.drop_column("customers", "locale")
