"""What checkout lets other areas embed in their own statements: points paid on orders, the
redemption rate, and active holds, read through fragments rather than by naming its tables.

Parameters are named as the fragments say (:shop and :order_id for an order, :program for
the program's rules row)."""

from __future__ import annotations

# Money that points paid on the order (:shop, :order_id), by whatever customer, and that
# active holds reserve to pay: the one definition of "points paid on an order". It counts
# against the order's caps (checkout) and earns nothing unless the rules say so (purchases).
# A hold past its time counts for nothing, before the sweep releases it too: it can no
# longer be captured.
POINTS_PAID_ON_ORDER = """
    ((SELECT COALESCE(sum(value_minor), 0) FROM redemptions
       WHERE shop = :shop AND order_id = :order_id AND cancelled_at IS NULL)
   + (SELECT COALESCE(sum(value_minor), 0) FROM holds
       WHERE shop = :shop AND order_id = :order_id AND status = 'ACTIVE'
         AND expires_at > now()))"""

# The part of POINTS_PAID_ON_ORDER that earns no points: all of it, unless the redemption
# rules (row :program) let points paid earn.
POINTS_PAID_NOT_EARNING = f"""
    (CASE WHEN (SELECT earn_on_points_paid FROM redemption_rules WHERE id = :program) THEN 0
          ELSE {POINTS_PAID_ON_ORDER} END)"""

# Whether another customer than :cid pays (or holds points to pay) the order.
ORDER_PAID_BY_ANOTHER = """
    EXISTS (SELECT 1 FROM redemptions
             WHERE shop = :shop AND order_id = :order_id AND customer_id <> :cid
               AND cancelled_at IS NULL
            UNION ALL
            SELECT 1 FROM holds
             WHERE shop = :shop AND order_id = :order_id AND customer_id <> :cid
               AND status IN ('ACTIVE', 'CAPTURED'))"""

# The customer whose points pay the order (:shop, :order_id), by its redemptions not
# cancelled; NULL when points pay nothing. An order's points come from one customer (a
# payment takes the order's lock and refuses an order ORDER_PAID_BY_ANOTHER), who need not
# be the customer its sale is recorded for.
ORDER_PAYER = """
    (SELECT customer_id FROM redemptions
      WHERE shop = :shop AND order_id = :order_id AND cancelled_at IS NULL
      ORDER BY id LIMIT 1)"""

# What customer :cid's points paid on the order and have not been cancelled: the points
# (used), their money (used_value) and the REDEMPTION entries that took them (drawn_by), as
# columns of a select list.
USED_ON_ORDER_BY_CUSTOMER = """
    (SELECT COALESCE(sum(points), 0) FROM redemptions
      WHERE shop = :shop AND order_id = :order_id AND customer_id = :cid
        AND cancelled_at IS NULL) AS used,
    (SELECT COALESCE(sum(value_minor), 0) FROM redemptions
      WHERE shop = :shop AND order_id = :order_id AND customer_id = :cid
        AND cancelled_at IS NULL) AS used_value,
    (SELECT COALESCE(array_agg(entry_id), '{}') FROM redemptions
      WHERE shop = :shop AND order_id = :order_id AND customer_id = :cid
        AND cancelled_at IS NULL) AS drawn_by"""

# A relation (customer_id, total): the points each customer's active holds reserve.
ACTIVE_HOLDS_PER_CUSTOMER = """
    SELECT customer_id, sum(points) AS total FROM holds
     WHERE status = 'ACTIVE' GROUP BY customer_id"""

# A relation of one row (points_per_unit, value_per_unit_minor): what points are worth when
# they pay, under the rules row :program.
REDEMPTION_RATE = """
    SELECT points_per_unit, value_per_unit_minor FROM redemption_rules WHERE id = :program"""
