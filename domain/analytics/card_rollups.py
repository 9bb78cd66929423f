"""Customers per card type without counting every card: card_holder_counts holds each
customer's cards per type and status as the job last counted them, card_type_totals their
sums (and how many customers hold an active card of each type). The job follows the order
in which cards were issued or changed status (cards.change_seq, stamped by a trigger)
behind a watermark (domain/watermarks.py): for the customers whose cards changed in a
batch, it counts their cards again and adds the difference from what it had counted to the
totals. Counting again (rather than applying each change) makes a customer counted twice,
or with changes from after the batch, come out the same: the difference is then zero.

The report adds, in one snapshot with the watermark, the same difference for the customers
with a card changed above it (the tail)."""

from __future__ import annotations

from sqlalchemy import text

from domain import watermarks
from domain.cards.bi_sql import CARD_CHANGES, CHANGE_SEQUENCE
from domain.uow import UnitOfWork

DEFAULT_BATCH = 1_000_000
CARDS_STREAM = watermarks.Stream("analytics_rollup_state", "stream", "cards", CHANGE_SEQUENCE)

# A group of cards (alias k) counted by status.
STATUS_COUNTS = """
    count(*) FILTER (WHERE k.status = 'ACTIVE') AS active,
    count(*) FILTER (WHERE k.status = 'BLOCKED') AS blocked,
    count(*) FILTER (WHERE k.status = 'LOST') AS lost,
    count(*) FILTER (WHERE k.status = 'REPLACED') AS replaced"""

# For the customers selected by {touched} (a query of customer ids): per (customer, type),
# their cards counted now (n_*) and the difference from card_holder_counts (d_*, and
# d_customers: +1 when they hold an active card of the type now and did not, -1 the other
# way round).
CHANGED_COUNTS = f"""
    touched AS MATERIALIZED ({{touched}}),
    counted AS (
        SELECT k.customer_id, k.type, {STATUS_COUNTS}
          FROM ({CARD_CHANGES}) k JOIN touched t ON t.customer_id = k.customer_id
         GROUP BY 1, 2),
    kept AS (
        SELECT h.* FROM card_holder_counts h JOIN touched t ON t.customer_id = h.customer_id),
    diff AS (
        SELECT customer_id, type,
               COALESCE(n.active, 0) AS n_active, COALESCE(n.blocked, 0) AS n_blocked,
               COALESCE(n.lost, 0) AS n_lost, COALESCE(n.replaced, 0) AS n_replaced,
               COALESCE(n.active, 0) - COALESCE(o.active, 0) AS d_active,
               COALESCE(n.blocked, 0) - COALESCE(o.blocked, 0) AS d_blocked,
               COALESCE(n.lost, 0) - COALESCE(o.lost, 0) AS d_lost,
               COALESCE(n.replaced, 0) - COALESCE(o.replaced, 0) AS d_replaced,
               CAST(COALESCE(n.active, 0) > 0 AS int) - CAST(COALESCE(o.active, 0) > 0 AS int)
                   AS d_customers
          FROM counted n FULL JOIN kept o USING (customer_id, type))"""

_ROLL_UP = text(
    "WITH "
    + CHANGED_COUNTS.format(
        touched=f"SELECT DISTINCT customer_id FROM ({CARD_CHANGES}) k"
        " WHERE k.change_seq > :from_value AND k.change_seq <= :to_value"
    )
    + """,
    saved AS (
        INSERT INTO card_holder_counts AS h (customer_id, type, active, blocked, lost,
                                             replaced)
        SELECT customer_id, type, n_active, n_blocked, n_lost, n_replaced FROM diff
        ON CONFLICT (customer_id, type) DO UPDATE
           SET active = excluded.active, blocked = excluded.blocked, lost = excluded.lost,
               replaced = excluded.replaced
        RETURNING 1),
    totals AS (
        INSERT INTO card_type_totals AS t (type, holders, active, blocked, lost, replaced)
        SELECT type, sum(d_customers), sum(d_active), sum(d_blocked), sum(d_lost),
               sum(d_replaced)
          FROM diff GROUP BY type
        ON CONFLICT (type) DO UPDATE
           SET holders = t.holders + excluded.holders,
               active = t.active + excluded.active, blocked = t.blocked + excluded.blocked,
               lost = t.lost + excluded.lost, replaced = t.replaced + excluded.replaced
        RETURNING 1)
    SELECT (SELECT count(*) FROM touched) AS rows,
           (SELECT count(*) FROM saved) + (SELECT count(*) FROM totals) AS written"""
)


async def roll_up_cards(uow: UnitOfWork, batch: int = DEFAULT_BATCH) -> watermarks.Progress:
    """A run of the job (domain.watermarks.roll_up's guarantees); its rows are the customers
    whose cards it counted again."""
    return await watermarks.roll_up(uow, CARDS_STREAM, _ROLL_UP, batch)


async def roll_up_cards_now(
    uow: UnitOfWork, batch: int = DEFAULT_BATCH, wait_s: float = 300.0
) -> watermarks.Progress:
    """Every card change made before this call (`tessera rollup-ledger`, the bench, tests)."""

    async def once() -> watermarks.Progress:
        return await roll_up_cards(uow, batch)

    return await watermarks.run_until_caught_up(uow, CARDS_STREAM, once, wait_s)
