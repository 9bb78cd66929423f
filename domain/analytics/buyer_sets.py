"""Sets of customers (their ids) as compressed roaring bitmaps (pyroaring), stored as bytes
in the BI rollups: a day's or a month's buyers unite with the other days' and months' of a
period into the exact number of distinct customers, without reading their orders again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyroaring import BitMap64


def load(data: bytes | None) -> BitMap64:
    """The set stored as `data` (None: empty)."""
    return BitMap64.deserialize(data) if data else BitMap64()


def dump(customers: BitMap64) -> bytes:
    return bytes(customers.serialize())


@dataclass
class Repeats:
    """Customers seen in a run of disjoint stretches of time (days, months), and those seen
    in two of them or more, or twice within one (`multi`): who ordered twice or more."""

    seen: BitMap64 = field(default_factory=BitMap64)
    twice: BitMap64 = field(default_factory=BitMap64)

    def add(self, buyers: BitMap64, multi: BitMap64) -> None:
        """A stretch's buyers, and those of them who ordered twice or more in it."""
        self.twice |= (self.seen & buyers) | multi
        self.seen |= buyers

    def add_counts(self, orders: Iterable[tuple[int, int]]) -> None:
        """A stretch's (customer id, orders) pairs, one per customer."""
        buyers, multi = BitMap64(), BitMap64()
        for customer_id, count in orders:
            buyers.add(customer_id)
            if count >= 2:
                multi.add(customer_id)
        self.add(buyers, multi)
