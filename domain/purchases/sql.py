"""What purchases lets other areas embed in their own statements: whether an order was
recorded and earned, and what customers spent, read through fragments rather than by naming
its tables.

Parameters are named as the fragments say (:shop and :order_id for an order, :cid for a
customer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Subquery, func, select

from domain.purchases.tables import purchases, refunds

# Whether the order (:shop, :order_id) earned its points already (on its whole amount).
ORDER_AWARDED = """
    EXISTS (SELECT 1 FROM purchases
             WHERE shop = :shop AND order_id = :order_id AND awarded_at IS NOT NULL)"""

# Whether the order (:shop, :order_id) has been refunded, in part or in whole.
ORDER_REFUNDED = """
    EXISTS (SELECT 1 FROM purchases p JOIN refunds r ON r.purchase_id = p.id
             WHERE p.shop = :shop AND p.order_id = :order_id)"""

# Whether the order (:shop, :order_id) was recorded for another customer than :cid.
ORDER_RECORDED_FOR_ANOTHER = """
    EXISTS (SELECT 1 FROM purchases
             WHERE shop = :shop AND order_id = :order_id AND customer_id <> :cid)"""


# Every purchase's customer, shop, order and channel: how the ledger's rollups put an entry
# written for an order (source_ref "<shop>/<order_id>") under that order's shop and channel.
PURCHASE_CHANNELS = "SELECT customer_id, shop, order_id, channel FROM purchases"


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


# The statuses of an order that count as a purchase made (as spend_per_customer_sql counts).
_MADE = ("PAID", "COMPLETED")


def purchase_totals(
    since: ColumnElement[datetime] | None = None,
    shops: Sequence[str] = (),
    customer_id: int | None = None,
) -> Subquery:
    """A Core relation (customer_id, purchases, spend_minor, last_at): per customer with at
    least one paid or completed order made from `since` (inclusive; all time when None), at
    any of `shops` (any shop when empty): how many, what they came to net of refunds, and
    when the latest was. Customers without such an order are not in it: their count and
    spend are 0 (segment filters rely on that). With `customer_id`, that customer's row
    only, aggregated from their purchases alone (an index lookup, not a scan)."""
    p, r = purchases.c, refunds.c
    refunded = (
        select(func.coalesce(func.sum(r.amount_minor), 0))
        .where(r.purchase_id == p.id)
        .scalar_subquery()
    )
    conditions: list[ColumnElement[bool]] = [p.status.in_(_MADE)]
    if since is not None:
        conditions.append(p.occurred_at >= since)
    if shops:
        conditions.append(p.shop.in_(list(shops)))
    if customer_id is not None:
        conditions.append(p.customer_id == customer_id)
    return (
        select(
            p.customer_id,
            func.count().label("purchases"),
            func.coalesce(func.sum(p.total_minor - refunded), 0).label("spend_minor"),
            func.max(p.occurred_at).label("last_at"),
        )
        .where(*conditions)
        .group_by(p.customer_id)
        .subquery("purchase_totals")
    )
