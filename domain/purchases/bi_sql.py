"""What purchases lets the analytics and BI reports embed in their statements: the orders
made (paid or completed) net of their refunds, and their lines net of returned units, as
relations to use as `FROM ({RELATION}) alias` (PostgreSQL pulls these plain subqueries up,
so an outer condition on occurred_at or customer_id reaches the purchases' indexes)."""

from __future__ import annotations

# The statuses of an order that count as a purchase made (as purchase_totals counts).
MADE_STATUSES = "('PAID', 'COMPLETED')"

# Every order made: id, customer_id, shop, order_id, channel, occurred_at, total_minor and
# net_minor (the total less every refund of it, whenever refunded).
MADE_PURCHASES = f"""
    SELECT p.id, p.customer_id, p.shop, p.order_id, p.channel, p.occurred_at, p.total_minor,
           p.total_minor - COALESCE(r.refunded, 0) AS net_minor
      FROM purchases p
      LEFT JOIN (SELECT purchase_id, sum(amount_minor) AS refunded FROM refunds
                  GROUP BY purchase_id) r ON r.purchase_id = p.id
     WHERE p.status IN {MADE_STATUSES}"""

# The same orders and net amounts as MADE_PURCHASES (id, customer_id, shop, channel,
# occurred_at, net_minor), each order's refunds summed by a probe of their index: for
# reading a few days' orders (a condition on occurred_at reaches its index), where
# MADE_PURCHASES, which sums every refund once, suits reading most of them.
MADE_ORDERS = f"""
    SELECT p.id, p.customer_id, p.shop, p.channel, p.occurred_at,
           p.total_minor - COALESCE((SELECT sum(r.amount_minor) FROM refunds r
                                      WHERE r.purchase_id = p.id), 0) AS net_minor
      FROM purchases p
     WHERE p.status IN {MADE_STATUSES}"""

# When each customer made an order (PAID or COMPLETED): customer_id, occurred_at (what
# counts a buyer, where the amount does not matter: no refunds to join).
MADE_ORDER_TIMES = f"SELECT customer_id, occurred_at FROM purchases WHERE status IN {MADE_STATUSES}"

# Every line of an order made: purchase_id, customer_id, shop, occurred_at, sku,
# product_line, units (quantity less the units returned) and revenue_minor (those units at
# the line's unit price).
MADE_LINES = f"""
    SELECT l.purchase_id, p.customer_id, p.shop, p.occurred_at, l.sku, l.product_line,
           l.quantity - l.refunded_quantity AS units,
           (l.quantity - l.refunded_quantity) * l.unit_price_minor AS revenue_minor
      FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id
     WHERE p.status IN {MADE_STATUSES}"""

# Every order reported, whatever its status: id (in the order reported, from
# ORDER_SEQUENCE), shop, order_id, channel (what a redemption or a voucher use on an order
# is attributed to). It ends without a WHERE, so a caller may add one naming shop and
# order_id (the unique key: one index probe).
ORDER_CHANNELS = "SELECT id, shop, order_id, channel FROM purchases"
ORDER_SEQUENCE = "purchases_id_seq"

# What the lines of an order were given off, and by what: purchase_id, source_kind
# (PRICE_RULE, CARD, CURRENT_DISCOUNT) and amount_minor. A caller adds a WHERE naming
# purchase_id (the primary key's first column: one index probe per order).
LINE_DISCOUNTS = "SELECT purchase_id, source_kind, amount_minor FROM purchase_line_discounts"

# The sequence that numbers purchases in the order they were made (purchases.made_seq,
# stamped by a trigger when a purchase becomes PAID or COMPLETED), which rollup jobs
# consume behind a watermark (domain/watermarks.py).
MADE_SEQUENCE = "purchases_made_seq"

# Every order made, with its number in that order: customer_id, occurred_at, made_seq. A
# caller's condition on made_seq (outside the subquery) reaches the unique index on it.
MADE_IN_ORDER = (
    "SELECT customer_id, occurred_at, made_seq FROM purchases WHERE made_seq IS NOT NULL"
)

# Every order made that the trigger did not number (only a bulk load with triggers disabled
# could leave one): id, status. The analytics' audit lists them.
UNNUMBERED_MADE = (
    f"SELECT id, status FROM purchases WHERE status IN {MADE_STATUSES} AND made_seq IS NULL"
)

# The sequence that numbers refunds in the order they were recorded (refunds.id, an identity
# column; a refund lowers its lines' units in the same transaction), which rollup jobs
# consume behind a watermark, as they do MADE_SEQUENCE.
REFUNDS_SEQUENCE = "refunds_id_seq"

# Every refund, with its order's customer and when it occurred: id, purchase_id,
# customer_id, occurred_at (the order's). A caller's condition on id (outside the
# subquery) reaches the primary key.
REFUNDS_IN_ORDER = """
    SELECT r.id, r.purchase_id, p.customer_id, p.occurred_at
      FROM refunds r JOIN purchases p ON p.id = r.purchase_id"""
