"""Reading card series and cards (inside an open unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY

from domain.cards.models import Card, CardSeries, CardStatus, CardType, CheckDigit
from domain.cards.tables import card_series, cards
from domain.uow import UnitOfWork

_SERIES_COLUMNS = (
    card_series.c.id,
    card_series.c.name,
    card_series.c.type,
    card_series.c.prefix,
    card_series.c.check_digit,
    card_series.c.code_length,
    card_series.c.next_number,
    card_series.c.active,
    card_series.c.created_at,
)
_CARD_COLUMNS = (
    cards.c.id,
    cards.c.customer_id,
    cards.c.series_id,
    cards.c.code,
    cards.c.type,
    cards.c.status,
    cards.c.is_primary,
    cards.c.status_reason,
    cards.c.replaced_by_card_id,
    cards.c.issued_at,
    cards.c.status_changed_at,
)
CARD_ROWS = select(*_CARD_COLUMNS)


def series_of(row: Any) -> CardSeries:
    return CardSeries(
        id=row.id,
        name=row.name,
        type=CardType(row.type),
        prefix=row.prefix,
        check_digit=CheckDigit(row.check_digit),
        code_length=row.code_length,
        next_number=row.next_number,
        active=row.active,
        created_at=row.created_at,
    )


def card_of(row: Any) -> Card:
    return Card(
        id=row.id,
        customer_id=row.customer_id,
        series_id=row.series_id,
        code=row.code,
        type=CardType(row.type),
        status=CardStatus(row.status),
        is_primary=row.is_primary,
        status_reason=row.status_reason,
        replaced_by_card_id=row.replaced_by_card_id,
        issued_at=row.issued_at,
        status_changed_at=row.status_changed_at,
    )


async def all_series(uow: UnitOfWork) -> list[CardSeries]:
    rows = await uow.execute(select(*_SERIES_COLUMNS).order_by(card_series.c.id))
    return [series_of(r) for r in rows]


async def series_by_id(
    uow: UnitOfWork, series_id: int, *, for_update: bool = False
) -> CardSeries | None:
    query = select(*_SERIES_COLUMNS).where(card_series.c.id == series_id)
    if for_update:
        query = query.with_for_update()
    row = (await uow.execute(query)).one_or_none()
    return series_of(row) if row else None


async def card_by_id(uow: UnitOfWork, card_id: int) -> Card | None:
    row = (await uow.execute(CARD_ROWS.where(cards.c.id == card_id))).one_or_none()
    return card_of(row) if row else None


async def card_read(uow: UnitOfWork, code: str, *, for_update: bool = False) -> Card | None:
    """The card a code names: its live card (not REPLACED) when there is one, else the
    latest card it was (replaced); None for a code never issued."""
    query = (
        CARD_ROWS.where(cards.c.code == code)
        .order_by((cards.c.status == CardStatus.REPLACED.value).asc(), cards.c.id.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    row = (await uow.execute(query)).one_or_none()
    return card_of(row) if row else None


async def cards_of(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, list[Card]]:
    """Each customer's cards (primary first, then newest first), in one query."""
    wanted = bindparam("customer_ids", list(customer_ids), type_=ARRAY(BigInteger))
    query = CARD_ROWS.where(cards.c.customer_id == any_(wanted)).order_by(
        cards.c.customer_id, cards.c.is_primary.desc(), cards.c.id.desc()
    )
    found: dict[int, list[Card]] = {cid: [] for cid in customer_ids}
    for row in await uow.execute(query):
        found[row.customer_id].append(card_of(row))
    return found


async def primary_cards(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, Card]:
    """Each customer's primary card (customers without one left out), in one query."""
    wanted = bindparam("customer_ids", list(customer_ids), type_=ARRAY(BigInteger))
    query = CARD_ROWS.where(cards.c.customer_id == any_(wanted), cards.c.is_primary)
    return {row.customer_id: card_of(row) for row in await uow.execute(query)}
