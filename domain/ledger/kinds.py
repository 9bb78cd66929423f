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
    ACTION = "ACTION"  # fixed points for something the customer did (registration, review)
    EXPIRY = "EXPIRY"  # what lots past their expiry date had left (the expiry job)
    GIFT = "GIFT"  # a periodic gift's credit (counts as earned)
    # A balance carried over from another system by a bulk import (domain/ledger/opening.py):
    # a credit that opens a lot like any other, counted in lifetime earned (and as earned by
    # the reports, on the day it was imported).
    OPENING = "OPENING"


# Debits of these kinds take back points that were earned; they are not "spending".
_TAKES_BACK_EARNINGS = frozenset({EntryKind.REFUND})
# Credits of these kinds give back points that were spent; they are not "earning".
_GIVES_BACK_SPENDING = frozenset({EntryKind.REDEMPTION_REFUND})


def lifetime_deltas(kind: EntryKind, points: int) -> tuple[int, int]:
    """(earned, spent) change for an entry that is neither a reversal nor an expiry.

    Credits add to lifetime earned, refunds subtract from it, other debits add to lifetime
    spent, points given back from a spend subtract from it. An EXPIRY entry (written only by
    the expiry job) moves neither: it adds its points to lifetime_expired, so that expiry
    never lowers lifetime earned. So balance == lifetime_earned - lifetime_spent -
    lifetime_expired always holds."""
    if kind is EntryKind.REVERSAL:
        raise ValueError("a reversal mirrors the entry it reverses; use reversal_deltas")
    if kind is EntryKind.EXPIRY:
        raise ValueError("an expiry moves lifetime_expired; the expiry job writes it")
    if kind in _GIVES_BACK_SPENDING:
        return 0, -points
    if points > 0 or kind in _TAKES_BACK_EARNINGS:
        return points, 0
    return 0, -points


def reversal_deltas(original_kind: EntryKind, original_points: int) -> tuple[int, int]:
    """(earned, spent) change for the reversal of an entry: the original's, negated."""
    earned, spent = lifetime_deltas(original_kind, original_points)
    return -earned, -spent
