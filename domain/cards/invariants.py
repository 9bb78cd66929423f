"""Invariants of cards, as named checks (like the ledger's): each returns human-readable
violations, empty when the invariant holds. One primary card per customer and one live card
per code are unique indexes; these are what the indexes cannot say."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ledger.invariants import Check, violation_rows


async def replaced_cards_point_at_a_live_successor(conn: AsyncConnection) -> list[str]:
    """A REPLACED card names its successor, a card of the same customer and series with
    another code; a card that is not REPLACED names none."""
    return await violation_rows(
        conn,
        """
        SELECT format('card %s (%s): replaced by %s', k.id, k.status,
                      COALESCE(k.replaced_by_card_id::text, 'nothing'))
          FROM cards k
          LEFT JOIN cards n ON n.id = k.replaced_by_card_id
         WHERE (k.status = 'REPLACED') <> (k.replaced_by_card_id IS NOT NULL)
            OR (n.id IS NOT NULL AND (n.customer_id <> k.customer_id
                                      OR n.series_id <> k.series_id OR n.code = k.code))""",
    )


async def primary_cards_are_not_replaced(conn: AsyncConnection) -> list[str]:
    """`cardCode` answers a primary card: it is never a dead (REPLACED) one."""
    return await violation_rows(
        conn,
        """
        SELECT format('card %s of customer %s: primary but REPLACED', id, customer_id)
          FROM cards WHERE is_primary AND status = 'REPLACED'""",
    )


async def cards_have_their_series_type(conn: AsyncConnection) -> list[str]:
    """A card's type is its series' (copied when issued; a series never changes type)."""
    return await violation_rows(
        conn,
        """
        SELECT format('card %s: type %s, series %s is %s', k.id, k.type, s.id, s.type)
          FROM cards k JOIN card_series s ON s.id = k.series_id
         WHERE k.type <> s.type""",
    )


CHECKS: tuple[Check, ...] = (
    replaced_cards_point_at_a_live_successor,
    primary_cards_are_not_replaced,
    cards_have_their_series_type,
)
