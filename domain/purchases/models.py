"""Purchases and refunds as the domain hands them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.ledger.models import Account
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.line_discounts import LineDiscount


@dataclass(frozen=True)
class PurchaseLine(Line):
    line_no: int = 0
    refunded_quantity: int = 0


@dataclass(frozen=True)
class Purchase:
    id: int
    shop: str
    order_id: str
    customer_id: int
    channel: str
    status: PurchaseStatus
    total_minor: int
    occurred_at: datetime
    points_earned: int
    awarded_at: datetime | None
    lines: list[PurchaseLine]
    # What the lines were given off, and by what (domain.purchases.line_discounts).
    discounts: list[LineDiscount] = field(default_factory=list)


@dataclass(frozen=True)
class PurchaseRecord:
    """What recordPurchase did: the purchase, points awarded by this call, and whether the
    call only repeated an earlier report."""

    purchase: Purchase
    points_awarded: int
    replayed: bool
    account: Account | None = None  # the balance after the award, when this call awarded


@dataclass(frozen=True)
class Refund:
    id: int
    purchase_id: int
    amount_minor: int
    points_due: int
    points_taken: int
    points_uncollected: int
    entry_id: int | None
    points_expired: int = 0  # already expired from the order's lot: not taken again
    points_returned: int = 0  # points that paid for the refunded part, given back
    value_returned_minor: int = 0  # what they paid: that part of the refund is in points
    return_entry_id: int | None = None
    replayed: bool = False


# The idempotency key of an order's PURCHASE credit ties the entry to its purchase row.
_AWARD_KEY_PREFIX = "purchase:"


def award_key(purchase_id: int) -> str:
    """The idempotency key of the purchase's award (its PURCHASE credit)."""
    return f"{_AWARD_KEY_PREFIX}{purchase_id}"


def award_key_sql(purchase_id: str) -> str:
    """award_key in SQL, for a statement that learns the purchase's id as it inserts it."""
    return f"'{_AWARD_KEY_PREFIX}' || {purchase_id}"
