"""What a ledger entry is, and how it moves a customer's lifetime totals."""

from __future__ import annotations

from enum import StrEnum


class EntryKind(StrEnum):
    PURCHASE = "PURCHASE"  # earned on a purchase
    REFUND = "REFUND"  # earned points taken back by a refund
    MANUAL = "MANUAL"  # a staff adjustment, credit or debit
    REVERSAL = "REVERSAL"  # cancels one earlier entry, linked to it
    REDEMPTION = "REDEMPTION"  # points spent as payment on an order
    REDEMPTION_REFUND = "REDEMPTION_REFUND"  # points that paid a refunded part, given back
    GIFT = "GIFT"  # a periodic gift's credit (counts as earned)


# Debits of these kinds take back points that were earned; they are not "spending".
_TAKES_BACK_EARNINGS = frozenset({EntryKind.REFUND})
# Credits of these kinds give back points that were spent; they are not "earning".
_GIVES_BACK_SPENDING = frozenset({EntryKind.REDEMPTION_REFUND})


def lifetime_deltas(kind: EntryKind, points: int) -> tuple[int, int]:
    """(earned, spent) change for an entry that is not a reversal.

    Credits add to lifetime earned, refunds subtract from it, other debits add to lifetime
    spent, points given back from a spend subtract from it; so balance == lifetime_earned -
    lifetime_spent always holds."""
    if kind is EntryKind.REVERSAL:
        raise ValueError("a reversal mirrors the entry it reverses; use reversal_deltas")
    if kind in _GIVES_BACK_SPENDING:
        return 0, -points
    if points > 0 or kind in _TAKES_BACK_EARNINGS:
        return points, 0
    return 0, -points


def reversal_deltas(original_kind: EntryKind, original_points: int) -> tuple[int, int]:
    """(earned, spent) change for the reversal of an entry: the original's, negated."""
    earned, spent = lifetime_deltas(original_kind, original_points)
    return -earned, -spent
