"""Card series and cards written straight into their tables (Core inserts), for the card
discount tests until the cards' own services issue them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cards.tables import card_series, cards


async def add_series(engine: AsyncEngine, name: str, type: str, **settings: Any) -> int:
    """A card series of `type` with these columns (discount_*, current_*); its id."""
    async with engine.begin() as conn:
        query = insert(card_series).values(name=name, type=type, **settings)
        series_id: int = (await conn.execute(query.returning(card_series.c.id))).scalar_one()
    return series_id


async def issue_card(
    engine: AsyncEngine,
    customer_id: int | str,
    series_id: int,
    code: str,
    type: str,
    status: str = "ACTIVE",
) -> int:
    """A card of the series for the customer; its id."""
    async with engine.begin() as conn:
        query = insert(cards).values(
            customer_id=int(customer_id), series_id=series_id, code=code, type=type, status=status
        )
        card_id: int = (await conn.execute(query.returning(cards.c.id))).scalar_one()
    return card_id
