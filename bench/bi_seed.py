"""The BI bench's purchases, written set-based in SQL on top of the reports bench's program
(bench/reports_seed.py: customers and their 5M-entry ledger): registrations spread over the
ledger's first year, orders with lines (some refunded, returned, cancelled), points paid at
the till, voucher uses, line discounts and cards.

Purchase p (1..customers x PER_CUSTOMER) is customer c = (p - 1) % customers + 1's, at START +
(p - 1) x the span / purchases, so orders interleave in time as the ledger's entries do, and
some precede their customer's registration (the ROI's pre-join baseline). Totals are not the
sum of the lines (the reports never compare them); every row is valid for its table."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable

import asyncpg

from reports_seed import SPAN, START

PER_CUSTOMER = 5
LINES = 2

_REGISTRATIONS = """
    UPDATE customers SET created_at = $1::timestamptz + ((id * 7919) % 365) * interval '1 day'"""

# The triggers that number made purchases and card changes do not fire with
# session_replication_role = replica (set for speed), so the seed numbers them itself.
_PURCHASES = """
    INSERT INTO purchases (id, shop, order_id, customer_id, channel, status, total_minor,
                           occurred_at, points_earned, made_seq)
    SELECT p, 'shop-' || (c % 5), 'P-' || p, c,
           CASE WHEN c % 3 = 0 THEN 'WEB' ELSE 'POS' END, status,
           1000 + (p * 7919) % 20000, $3::timestamptz + (p - 1) * $4::interval, 0,
           CASE WHEN status IN ('PAID', 'COMPLETED') THEN nextval('purchases_made_seq') END
      FROM (SELECT p, (p - 1) % $1 + 1 AS c,
                   CASE WHEN p % 50 = 0 THEN 'CANCELLED' WHEN p % 4 = 0 THEN 'COMPLETED'
                        ELSE 'PAID' END AS status
              FROM generate_series(1, $2::bigint) p ORDER BY p) s"""

_LINES = """
    INSERT INTO purchase_lines (purchase_id, line_no, sku, quantity, unit_price_minor,
                                discounted, product_line, refunded_quantity)
    SELECT p, n, 'SKU-' || s, 1 + (p + n) % 3, 500 + (s * 37) % 3000, false,
           'line-' || (s % 20), CASE WHEN n = 1 AND p % 40 = 0 THEN 1 ELSE 0 END
      FROM (SELECT p, n, (p * 7 + n * 13) % 500 AS s
              FROM generate_series(1, $1::bigint) p, generate_series(1, $2) n) l"""

_REFUNDS = """
    INSERT INTO refunds (purchase_id, idempotency_key, lines, amount_minor, points_due,
                         points_taken, points_uncollected, created_at)
    SELECT id, 'bench-refund-' || id, '[]', 500, 0, 0, 0, occurred_at + interval '3 days'
      FROM purchases WHERE id % 40 = 0"""

# Points paid at the till: a quarter of the ledger's REDEMPTION entries (100 points = 1.00).
_REDEMPTIONS = """
    INSERT INTO redemptions (customer_id, shop, order_id, points, value_minor,
                             idempotency_key, entry_id, created_at)
    SELECT customer_id, 'default', source_ref, -points, -points, 'bench-r-' || id, id,
           created_at
      FROM ledger_entries WHERE kind = 'REDEMPTION' AND id % 4 = 0"""

_VOUCHERS = """
    INSERT INTO vouchers (id, code, source, kind, value_minor, uses, customer_id)
    SELECT v, 'BENCH-' || v, 'BATCH', 'FIXED_AMOUNT', 500, 1, v * 4 % $1 + 1
      FROM generate_series(1, $1::bigint / 4) v"""

_VOUCHER_USES = """
    INSERT INTO voucher_redemptions (voucher_id, customer_id, shop, order_id, discount_minor,
                                     idempotency_key, actor, created_at)
    SELECT v.id, v.customer_id, p.shop, p.order_id, 500, 'bench-v-' || v.id, 'bench',
           p.occurred_at
      FROM vouchers v JOIN purchases p ON p.id = v.id * 3"""

_LINE_DISCOUNTS = """
    INSERT INTO purchase_line_discounts (purchase_id, line_no, customer_id, source_kind,
                                         source_id, amount_minor)
    SELECT id, 1, customer_id,
           CASE id % 10 WHEN 0 THEN 'CARD' WHEN 1 THEN 'PRICE_RULE' ELSE 'CURRENT_DISCOUNT' END,
           1, 50 + id % 200
      FROM purchases WHERE id % 10 IN (0, 1, 2)"""

_CARDS = """
    WITH s AS (INSERT INTO card_series (name, type) VALUES ('Bench points', 'POINTS'),
               ('Bench discount', 'DISCOUNT') RETURNING id, type)
    INSERT INTO cards (customer_id, series_id, code, type, status, is_primary, change_seq)
    SELECT c.id, s.id, s.type || '-' || c.id, s.type,
           CASE WHEN c.id % 97 = 0 THEN 'LOST' ELSE 'ACTIVE' END, s.type = 'POINTS',
           nextval('cards_change_seq')
      FROM customers c JOIN s ON s.type = 'POINTS' OR c.id % 10 = 0"""

_SEQUENCES = [
    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
    for table in ("purchases", "vouchers")
]


async def seed_purchases(dsn: str, customers: int) -> int:
    """Write the purchases and what hangs on them; returns how many purchases."""
    purchases = customers * PER_CUSTOMER
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET work_mem = '256MB'")
        try:
            await conn.execute("SET session_replication_role = replica")
        except asyncpg.InsufficientPrivilegeError:
            print("not a superuser: seeding with foreign key checks", file=sys.stderr)
        async with conn.transaction():
            await conn.execute(_REGISTRATIONS, START)
            step = SPAN / purchases
            await _timed("purchases", conn.execute(_PURCHASES, customers, purchases, START, step))
            await _timed("lines", conn.execute(_LINES, purchases, LINES))
            await _timed("refunds", conn.execute(_REFUNDS))
            await _timed("redemptions", conn.execute(_REDEMPTIONS))
            await _timed("vouchers", conn.execute(_VOUCHERS, customers))
            await _timed("voucher uses", conn.execute(_VOUCHER_USES))
            await _timed("line discounts", conn.execute(_LINE_DISCOUNTS))
            await _timed("cards", conn.execute("DELETE FROM cards"))
            await _timed("cards", conn.execute(_CARDS))
            for statement in _SEQUENCES:
                await conn.execute(statement)
        await _timed("vacuum analyze", conn.execute("VACUUM ANALYZE"))
    finally:
        await conn.close()
    return purchases


async def _timed(name: str, step: Awaitable[object]) -> None:
    t0 = time.perf_counter()
    await step
    print(f"  seeded {name} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
