"""Current discounts: what each sale of a CURRENT_DISCOUNT card's holder gives for the next
purchase, and its life (issued with the sale, used once, cancelled by a refund).

Issued in the statement that records the sale (ISSUE_CTE, embedded by domain.purchases):
for a customer without an ACTIVE CURRENT_DISCOUNT card of a series with settings it
inserts nothing, so the earn hot path stays one statement. A closed series (not active)
issues no more cards, but those it issued keep giving current discounts. The sale's amount
is the purchase's total less the card and current discounts it was given
(:card_discounts_minor); PERCENT_OF_AMOUNT gives floor(amount * percent_bp / 10000) as
money off, BANDS the percentage of the highest band whose from_minor the amount reaches;
nothing when that is zero or no band is reached. It is valid for the series' valid_days
from the sale's recording. A customer holding several such cards gets one discount a sale,
by the oldest card (lowest id).

A refund of the sale, whole or partial, cancels its current discount if it is not used
yet (the amount it was computed from is no longer what was bought); one already used stays
used, and a refund of the sale that used one does not give it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from domain.cards.tables import current_discounts
from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork

# A CTE named `cd`, after a CTE `p` that inserted the purchase (id, customer_id,
# total_minor); bind :card_discounts_minor.
ISSUE_CTE = """
    cd_card AS (
        SELECT p.id AS purchase_id, p.customer_id, k.id AS card_id,
               p.total_minor - CAST(:card_discounts_minor AS bigint) AS basis,
               s.current_mode, s.current_percent_bp, s.current_bands, s.current_valid_days
          FROM p
          JOIN LATERAL (
                SELECT c.id, c.series_id FROM cards c
                 WHERE c.customer_id = p.customer_id AND c.status = 'ACTIVE'
                   AND c.type = 'CURRENT_DISCOUNT'
                 ORDER BY c.id LIMIT 1) k ON true
          JOIN card_series s ON s.id = k.series_id
         WHERE s.current_mode IS NOT NULL AND s.current_valid_days IS NOT NULL),
    cd_terms AS (
        SELECT d.*,
               CASE WHEN d.current_mode = 'PERCENT_OF_AMOUNT'
                    THEN d.basis * d.current_percent_bp / 10000 END AS amount_off,
               CASE WHEN d.current_mode = 'BANDS' THEN (
                    SELECT (b->>'percent_bp')::int
                      FROM jsonb_array_elements(d.current_bands) b
                     WHERE (b->>'from_minor')::bigint <= d.basis
                     ORDER BY (b->>'from_minor')::bigint DESC LIMIT 1) END AS percent
          FROM cd_card d),
    cd AS (
        INSERT INTO current_discounts (customer_id, card_id, purchase_id, basis_minor,
                                       amount_off_minor, percent_bp, expires_at)
        SELECT customer_id, card_id, purchase_id, basis, NULLIF(amount_off, 0),
               NULLIF(percent, 0), now() + make_interval(days => current_valid_days)
          FROM cd_terms
         WHERE COALESCE(amount_off, 0) > 0 OR COALESCE(percent, 0) > 0
        RETURNING id)
"""


@dataclass(frozen=True)
class CurrentDiscountView:
    id: int
    customer_id: int
    card_id: int
    purchase_id: int
    basis_minor: int
    amount_off_minor: int | None
    percent_bp: int | None
    issued_at: datetime
    expires_at: datetime
    used_purchase_id: int | None
    used_at: datetime | None
    cancelled_at: datetime | None


async def use_current_discount(
    uow: UnitOfWork, discount_id: int, customer_id: int, purchase_id: int, field: str
) -> None:
    """Mark the current discount used by the purchase, in the open unit of work; exactly
    once whatever runs concurrently (a conditional UPDATE: the row lock makes a second
    sale wait and then find it used). DISCOUNT_NOT_APPLICABLE on `field` when it is not
    the customer's, used, cancelled or expired."""
    used = await uow.execute(
        update(current_discounts)
        .where(
            current_discounts.c.id == discount_id,
            current_discounts.c.customer_id == customer_id,
            current_discounts.c.used_at.is_(None),
            current_discounts.c.cancelled_at.is_(None),
            current_discounts.c.expires_at > func.now(),
        )
        .values(used_purchase_id=purchase_id, used_at=func.now())
        .returning(current_discounts.c.id)
    )
    if used.one_or_none() is None:
        raise DomainError.one(
            field,
            ErrorCode.DISCOUNT_NOT_APPLICABLE,
            "This current discount is not open for this customer (used, cancelled, expired "
            "or another's): price the cart again.",
        )


async def cancel_for_refund(uow: UnitOfWork, purchase_id: int) -> None:
    """Cancel the current discount the sale gave, if it is not used yet, in the open unit
    of work (a refund of the sale, whole or partial)."""
    await uow.execute(
        update(current_discounts)
        .where(
            current_discounts.c.purchase_id == purchase_id,
            current_discounts.c.used_at.is_(None),
            current_discounts.c.cancelled_at.is_(None),
        )
        .values(cancelled_at=func.now())
    )


async def current_discounts_of(
    uow: UnitOfWork, customer_id: int, limit: int = 50
) -> list[CurrentDiscountView]:
    """The customer's current discounts, newest first (open, used, cancelled or expired)."""
    query = (
        select(current_discounts)
        .where(current_discounts.c.customer_id == customer_id)
        .order_by(current_discounts.c.id.desc())
        .limit(limit)
    )
    async with uow:
        return [CurrentDiscountView(**row._mapping) for row in await uow.execute(query)]
