"""Voucher codes for the funnel benches, written in SQL: a batch made through the domain
with its first code, then as many more as the bench needs, copies of that one (same terms
and source) under codes of their own."""

from __future__ import annotations

import asyncpg

_MORE_CODES = """
    INSERT INTO vouchers (code, batch_id, source, kind, value_minor, percent_bp, gift_sku,
                          valid_from, valid_until, max_uses, min_cart_minor, uses, created_at)
    SELECT 'B' || upper(md5(g::text)), $1, v.source, v.kind, v.value_minor, v.percent_bp,
           v.gift_sku, v.valid_from, v.valid_until, v.max_uses, v.min_cart_minor, 0, now()
      FROM generate_series(2, $2::bigint) g,
           (SELECT * FROM vouchers WHERE batch_id = $1 LIMIT 1) v"""


async def fill_batch(conn: asyncpg.Connection, batch_id: int, codes: int) -> None:
    """Bring the batch (made with one code) to `codes` codes."""
    await conn.execute(_MORE_CODES, batch_id, codes)
