"""What cards lets other areas embed in their own statements (see domain.customers.sql).

A relation is a SELECT to use as `FROM ({RELATION}) alias`; Core users get selects."""

from __future__ import annotations

from sqlalchemy import Select, select

from domain.cards.tables import cards

# Every card as a till reads it: customer_id, code, status, status_reason,
# status_changed_at. A code names at most one live card and any number of replaced ones.
CARD_READS = """
    SELECT customer_id, code, status, status_reason, status_changed_at FROM cards"""


# ORDER BY for rows of CARD_READS aliased `alias` with one code: the live card first (then
# the latest replaced one), so `LIMIT 1` gives the card the code names.
def card_read_order(alias: str) -> str:
    return f"({alias}.status = 'REPLACED'), {alias}.status_changed_at DESC NULLS LAST"


def holders_of(code: str) -> Select[tuple[int]]:
    """A query of the customer holding an ACTIVE card with this code (none or one)."""
    return select(cards.c.customer_id).where(cards.c.code == code, cards.c.status == "ACTIVE")


def holders_matching(pattern: str) -> Select[tuple[int]]:
    """A query of the customers holding a card (of any status) whose code is ILIKE
    `pattern` (a search: an old card's code still finds its customer for the staff)."""
    return select(cards.c.customer_id).where(cards.c.code.ilike(pattern))
