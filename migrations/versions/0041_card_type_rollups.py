"""Card type rollups: the order in which cards were issued or changed status
(cards.change_seq, stamped by a trigger on every insert and status update, whatever writes
it), each customer's cards per type and status as the rollup job last counted them, and the
totals per type (domain/analytics/card_rollups.py).

card_holder_counts belongs to a customer and is keyed by customer_id; card_type_totals is
program-wide (four rows): on a distributed PostgreSQL each node would keep its own and the
report would add them. Existing cards are numbered in id order; nothing is rolled up here:
the job's first run does it (`tessera rollup-ledger`).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06 19:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = ("active", "blocked", "lost", "replaced")


def upgrade() -> None:
    op.execute("CREATE SEQUENCE cards_change_seq AS bigint CACHE 1")
    op.add_column("cards", sa.Column("change_seq", sa.BigInteger))
    op.execute("""
        UPDATE cards k SET change_seq = n.seq
          FROM (SELECT id, nextval('cards_change_seq') AS seq
                  FROM (SELECT id FROM cards ORDER BY id) o) n
         WHERE k.id = n.id""")
    op.create_index("ux_cards_change_seq", "cards", ["change_seq"], unique=True)
    op.execute("""
        CREATE FUNCTION stamp_card_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.change_seq := nextval('cards_change_seq');
            RETURN NEW;
        END $$""")
    op.execute("""
        CREATE TRIGGER cards_change_seq BEFORE INSERT OR UPDATE OF status ON cards
           FOR EACH ROW EXECUTE FUNCTION stamp_card_change()""")
    op.create_table(
        "card_holder_counts",
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in _COUNTS),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_card_holder_counts_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("customer_id", "type", name="pk_card_holder_counts"),
    )
    op.create_table(
        "card_type_totals",
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("holders", sa.BigInteger, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in _COUNTS),
        sa.PrimaryKeyConstraint("type", name="pk_card_type_totals"),
    )
    op.execute("ANALYZE cards")


def downgrade() -> None:
    op.drop_table("card_type_totals")
    op.drop_table("card_holder_counts")
    op.execute("DROP TRIGGER cards_change_seq ON cards")
    op.execute("DROP FUNCTION stamp_card_change()")
    op.drop_index("ux_cards_change_seq", table_name="cards")
    op.drop_column("cards", "change_seq")
    op.execute("DROP SEQUENCE cards_change_seq")
