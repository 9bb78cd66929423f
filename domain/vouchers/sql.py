"""What vouchers lets other areas embed in their own statements, read through fragments
rather than by naming its tables."""

from __future__ import annotations

# What vouchers took off the order (:shop, :order_id), in minor units.
DISCOUNTS_ON_ORDER = """
    (SELECT COALESCE(sum(discount_minor), 0) FROM voucher_redemptions
      WHERE shop = :shop AND order_id = :order_id)"""

# Every voucher: id, batch_id, customer_id, uses (times redeemed).
VOUCHERS = "SELECT id, batch_id, customer_id, uses FROM vouchers"
