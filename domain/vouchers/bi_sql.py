"""What vouchers lets the BI reports embed: the discounts vouchers gave, as a relation
(`FROM ({VOUCHER_DISCOUNTS}) alias`)."""

from __future__ import annotations

# Every voucher use: id (in the order used, from VOUCHER_USE_SEQUENCE), customer_id (null
# for an unassigned code used anonymously), shop, order_id, discount_minor, created_at and
# source (BATCH, CONVERSION or REWARD).
VOUCHER_DISCOUNTS = """
    SELECT r.id, r.customer_id, r.shop, r.order_id, r.discount_minor, r.created_at, v.source
      FROM voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id"""
VOUCHER_USE_SEQUENCE = "voucher_redemptions_id_seq"
