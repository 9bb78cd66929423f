"""What the ledger returns to its callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.ledger import policy
from domain.ledger.kinds import EntryKind


@dataclass(frozen=True)
class Account:
    customer_id: int
    balance: int
    lifetime_earned: int
    lifetime_spent: int
    held: int = 0
    lifetime_expired: int = 0

    @property
    def spendable(self) -> int:
        return policy.spendable(self.balance, self.held)

    @property
    def funds(self) -> policy.Funds:
        """The account as the ledger policy reads it."""
        return policy.Funds(self.balance, self.held)


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    customer_id: int
    points: int
    balance_after: int
    kind: EntryKind
    note: str | None
    source_type: str | None
    source_ref: str | None
    actor: str
    idempotency_key: str | None
    reverses_entry_id: int | None
    reversed_by_entry_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class HistoryFilter:
    """Narrows a customer's movements; every bound is inclusive, None means unbounded."""

    since: datetime | None = None
    until: datetime | None = None
    kinds: tuple[EntryKind, ...] = ()
    min_points: int | None = None
    max_points: int | None = None
