"""What checkout lets the BI reports embed: the points that paid at the till and were not
cancelled, as a relation (`FROM ({POINTS_PAID}) alias`)."""

from __future__ import annotations

# Every redemption still standing: customer_id, shop, order_id, points, value_minor (what
# they paid, fixed when they paid) and created_at.
POINTS_PAID = """
    SELECT customer_id, shop, order_id, points, value_minor, created_at FROM redemptions
     WHERE cancelled_at IS NULL"""
