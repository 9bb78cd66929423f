"""What vouchers lets the BI reports embed: the discounts vouchers gave, and every use with
its cancellation, as relations (`FROM ({VOUCHER_DISCOUNTS}) alias`)."""

from __future__ import annotations

# Every voucher use that stands (not cancelled): id (in the order used, from
# VOUCHER_USE_SEQUENCE), customer_id (null for an unassigned code used anonymously), shop,
# order_id, discount_minor, created_at and source (BATCH, CONVERSION or REWARD).
VOUCHER_DISCOUNTS = """
    SELECT r.id, r.customer_id, r.shop, r.order_id, r.discount_minor, r.created_at, v.source
      FROM voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id
     WHERE r.cancelled_at IS NULL"""
# Every voucher use, cancelled ones included: id, cancel_seq (the value of
# VOUCHER_USE_SEQUENCE its cancellation took, null while it stands), shop, order_id and
# created_at: how a rollup job reading the sequence finds the uses and cancellations to
# roll up.
EVERY_VOUCHER_USE = "SELECT id, cancel_seq, shop, order_id, created_at FROM voucher_redemptions"
VOUCHER_USE_SEQUENCE = "voucher_redemptions_id_seq"
