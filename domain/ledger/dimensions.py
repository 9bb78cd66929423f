"""What each ledger entry is rolled up under: its UTC hour, the kind and direction it counts
as, and its shop, channel and customer's category. The rollup job groups these rows
(domain/ledger/rollups.py); a report broken down by shop, channel or category reads the
rollups up to the watermark and these rows for the entries above it, in one snapshot."""

from __future__ import annotations

from domain.customers.sql import CUSTOMERS
from domain.ledger.kinds import EntryKind
from domain.purchases.sql import PURCHASE_CHANNELS

_REVERSAL = EntryKind.REVERSAL.value
_ORDER_SOURCES = "('purchase', 'order')"


def entry_dimensions_sql(where: str) -> str:
    """A relation (id, created_at, hour, kind, credit, reversal, shop, channel,
    category_id, points) of the entries `e` matching the SQL condition `where`.

    As the reports count them (domain/ledger/sql.py entry_groups_sql): a reversal under the
    kind and direction (`credit`) of the entry it reverses, flagged `reversal`, a reversal
    without its entry left out. The subject (the entry, or the one a reversal reverses)
    gives the shop and channel: its order's purchase when there is one (found by the
    purchases' unique key, the reference "<shop>/<order_id>" split at its first '/'; a shop
    code holding a '/' is looked for among the customer's purchases), else the shop its
    reference names (the part before the first '/'), or a manual entry's shop; other
    entries have neither. The category is the customer's now."""
    return f"""
        SELECT s.id, s.created_at, date_trunc('hour', s.created_at, 'UTC') AS hour,
               s.kind, s.credit, s.reversal,
               CASE WHEN COALESCE(p.shop, q.shop) IS NOT NULL THEN COALESCE(p.shop, q.shop)
                    WHEN s.source_type IN {_ORDER_SOURCES} THEN split_part(s.source_ref, '/', 1)
                    WHEN s.source_type = 'shop' THEN s.source_ref END AS shop,
               COALESCE(p.channel, q.channel) AS channel, c.category_id, s.points
          FROM (SELECT e.id, e.customer_id, e.created_at, e.points,
                       e.kind = '{_REVERSAL}' AS reversal,
                       CASE WHEN e.kind = '{_REVERSAL}' THEN r.kind ELSE e.kind END AS kind,
                       CASE WHEN e.kind = '{_REVERSAL}' THEN r.points ELSE e.points END > 0
                           AS credit,
                       CASE WHEN e.kind = '{_REVERSAL}' THEN r.source_type
                            ELSE e.source_type END AS source_type,
                       CASE WHEN e.kind = '{_REVERSAL}' THEN r.source_ref
                            ELSE e.source_ref END AS source_ref
                  FROM ledger_entries e
                  LEFT JOIN LATERAL (  -- an index lookup for the few reversals only
                        SELECT r.id, r.kind, r.points, r.source_type, r.source_ref
                          FROM ledger_entries r
                         WHERE e.kind = '{_REVERSAL}' AND r.id = e.reverses_entry_id
                         LIMIT 1) r ON true
                 WHERE ({where}) AND (e.kind <> '{_REVERSAL}' OR r.id IS NOT NULL)) s
          LEFT JOIN ({CUSTOMERS}) c ON c.id = s.customer_id
          LEFT JOIN ({PURCHASE_CHANNELS}) p
                 ON s.source_type IN {_ORDER_SOURCES} AND p.customer_id = s.customer_id
                AND p.shop = split_part(s.source_ref, '/', 1)
                AND p.order_id = substr(s.source_ref, strpos(s.source_ref, '/') + 1)
          LEFT JOIN LATERAL (
                SELECT o.shop, o.channel FROM ({PURCHASE_CHANNELS}) o
                 WHERE p.shop IS NULL AND s.source_type IN {_ORDER_SOURCES}
                   AND s.source_ref LIKE '%/%/%' AND o.customer_id = s.customer_id
                   AND o.shop || '/' || o.order_id = s.source_ref
                 ORDER BY o.shop LIMIT 1) q ON true"""
