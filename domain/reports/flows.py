"""How ledger entries count in the reports: the one place that classifies them by kind.

Every entry falls in one class, by its kind's text (so that kinds added later, such as
ACTION, GIFT and EXPIRY, classify before this code knows them as EntryKind values):

- EARNED: credits of PURCHASE, MANUAL, ACTION, GIFT and OPENING entries (an OPENING is a
  balance carried over by a bulk import: earned before, counted on the day it was imported,
  as lifetime earned counts it);
- TAKEN_BACK: REFUND entries (earned points a refund took back);
- SPENT: REDEMPTION entries, net of the REDEMPTION_REFUND entries that gave points back;
- EXPIRED: EXPIRY entries;
- OTHER: everything else, signed (manual debits, and kinds this module does not know).

A REVERSAL counts in the class of the entry it reverses, against it: the reversal of a
manual credit lowers EARNED, the reversal of a redemption (a cancelled one) lowers SPENT.

The reports aggregate in SQL by (kind, direction) groups, a reversal being grouped under the
kind and direction of the entry it reverses (the ledger's entry_groups_sql, in
domain/ledger/sql.py), and fold the few groups into
FlowTotals here, so the classification is written once, in Python."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any


class FlowClass(StrEnum):
    EARNED = "EARNED"
    TAKEN_BACK = "TAKEN_BACK"
    SPENT = "SPENT"
    EXPIRED = "EXPIRED"
    OTHER = "OTHER"


# Credits of these kinds are earnings (a debit of one of them, a manual debit, is OTHER).
EARNING_KINDS = frozenset({"PURCHASE", "MANUAL", "ACTION", "GIFT", "OPENING"})
# These kinds are in their class whatever their sign.
CLASS_OF_KIND: Mapping[str, FlowClass] = {
    "REFUND": FlowClass.TAKEN_BACK,
    "REDEMPTION": FlowClass.SPENT,
    "REDEMPTION_REFUND": FlowClass.SPENT,
    "EXPIRY": FlowClass.EXPIRED,
}


def classify(kind: str | None, credit: bool) -> FlowClass:
    """The class of an entry of `kind` that credits (`credit`) or debits points; for a
    reversal, pass the kind and direction of the entry it reverses."""
    if kind is None:
        return FlowClass.OTHER
    found = CLASS_OF_KIND.get(kind)
    if found is not None:
        return found
    if credit and kind in EARNING_KINDS:
        return FlowClass.EARNED
    return FlowClass.OTHER


_AVERAGE_QUANTUM = Decimal("0.01")


@dataclass(frozen=True)
class FlowTotals:
    """Points moved in a period, by class, as positive amounts (but `other`, signed), so
    that net = earned - taken_back - spent - expired + other = the change of the total
    balance. `operations` counts entries, `points_moved` the sum of their absolute points."""

    earned: int = 0
    taken_back: int = 0
    spent: int = 0
    expired: int = 0
    other: int = 0
    operations: int = 0
    points_moved: int = 0

    @property
    def net(self) -> int:
        return self.earned - self.taken_back - self.spent - self.expired + self.other

    @property
    def average_points(self) -> Decimal | None:
        """Mean absolute points per operation, points_moved / operations rounded half up
        to two decimals; None when there was no operation."""
        if not self.operations:
            return None
        exact = Decimal(self.points_moved) / Decimal(self.operations)
        return exact.quantize(_AVERAGE_QUANTUM, rounding=ROUND_HALF_UP)

    def plus(
        self, kind: str | None, credit: bool, points: int, entries: int, moved: int
    ) -> FlowTotals:
        """These totals with one (kind, direction) group of entries added; `points` is the
        group's signed sum (for reversals, their own points)."""
        counted = replace(
            self, operations=self.operations + entries, points_moved=self.points_moved + moved
        )
        match classify(kind, credit):
            case FlowClass.EARNED:
                return replace(counted, earned=self.earned + points)
            case FlowClass.TAKEN_BACK:
                return replace(counted, taken_back=self.taken_back - points)
            case FlowClass.SPENT:
                return replace(counted, spent=self.spent - points)
            case FlowClass.EXPIRED:
                return replace(counted, expired=self.expired - points)
            case _:
                return replace(counted, other=self.other + points)


def fold(groups: Iterable[Mapping[Any, Any]]) -> FlowTotals:
    """FlowTotals from rows with kind, credit, points, entries and moved (the columns of the
    ledger's entry_groups_sql)."""
    totals = FlowTotals()
    for g in groups:
        totals = totals.plus(g["kind"], g["credit"], g["points"], g["entries"], g["moved"])
    return totals
