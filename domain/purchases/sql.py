"""What purchases lets other areas embed in their own statements: whether an order was
recorded and earned, and what customers spent, read through fragments rather than by naming
its tables.

Parameters are named as the fragments say (:shop and :order_id for an order, :cid for a
customer)."""

from __future__ import annotations

# Whether the order (:shop, :order_id) earned its points already (on its whole amount).
ORDER_AWARDED = """
    EXISTS (SELECT 1 FROM purchases
             WHERE shop = :shop AND order_id = :order_id AND awarded_at IS NOT NULL)"""

# Whether the order (:shop, :order_id) was recorded for another customer than :cid.
ORDER_RECORDED_FOR_ANOTHER = """
    EXISTS (SELECT 1 FROM purchases
             WHERE shop = :shop AND order_id = :order_id AND customer_id <> :cid)"""


def spend_per_customer_sql(when: str = "true") -> str:
    """A relation (customer_id, value): what each customer's paid (or completed) orders
    came to, net of their refunds; computed only when the SQL condition `when` holds."""
    return f"""
        SELECT p.customer_id, sum(p.total_minor - COALESCE(r.refunded, 0)) AS value
          FROM purchases p
          LEFT JOIN (SELECT purchase_id, sum(amount_minor) AS refunded FROM refunds
                      GROUP BY purchase_id) r ON r.purchase_id = p.id
         WHERE p.status IN ('PAID', 'COMPLETED') AND ({when})
         GROUP BY p.customer_id"""
