"""What checkout lets the BI reports embed: the points that paid at the till and were not
cancelled, as a relation (`FROM ({POINTS_PAID}) alias`)."""

from __future__ import annotations

# Every redemption still standing: customer_id, shop, order_id, points, value_minor (what
# they paid, fixed when they paid) and created_at.
POINTS_PAID = """
    SELECT customer_id, shop, order_id, points, value_minor, created_at FROM redemptions
     WHERE cancelled_at IS NULL"""

# Every redemption, cancelled or not, with the ledger entries that wrote it (entry_id) and
# cancelled it (cancel_entry_id, null while it stands): how a rollup job reading the
# ledger's ids finds the redemptions they changed; shop, order_id, created_at.
POINTS_PAID_ENTRIES = (
    "SELECT entry_id, cancel_entry_id, shop, order_id, created_at FROM redemptions"
)
