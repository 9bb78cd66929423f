"""Cohorts: the customers arriving together at a step, each at their simulated time.

A cohort is two parallel lists (customer ids, times), not objects per customer: a million
customers are two lists. Reads go to the database CHUNK customers at a time (one query per
chunk, the ids as one array parameter), and filters once per distinct time (with time
travel, customers' clocks differ: a birthday wait wakes each on their own day)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

# Customers per query: large enough that a million customers are twenty queries a step,
# small enough that one query's ids and rows stay a few megabytes.
CHUNK = 50_000


@dataclass
class Cohort:
    """`ids[i]` arrives at `times[i]`. `fresh`: the funnel's exit filter has not yet seen
    these customers at these times (they just entered, or a wait moved their clocks): it is
    checked on arrival. Between waits nothing the dry run sees changes, so a customer the
    filter let through stays let through until the next wait."""

    ids: list[int] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    fresh: bool = False

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, customer_id: int, at: datetime) -> None:
        self.ids.append(customer_id)
        self.times.append(at)

    def __iter__(self) -> Iterator[tuple[int, datetime]]:
        return zip(self.ids, self.times, strict=True)

    def chunks(self, size: int = CHUNK) -> Iterator[Cohort]:
        for start in range(0, len(self.ids), size):
            end = start + size
            yield Cohort(self.ids[start:end], self.times[start:end], self.fresh)

    def by_time(self) -> dict[datetime, list[int]]:
        """The customers at each distinct time (one filter query per time)."""
        found: dict[datetime, list[int]] = defaultdict(list)
        for customer_id, at in self:
            found[at].append(customer_id)
        return found

    def without(self, leaving: set[int]) -> Cohort:
        kept = Cohort(fresh=self.fresh)
        for customer_id, at in self:
            if customer_id not in leaving:
                kept.add(customer_id, at)
        return kept

    def split(self, chosen: set[int]) -> tuple[Cohort, Cohort]:
        """(the customers in `chosen`, the others), both no longer fresh."""
        inside, outside = Cohort(), Cohort()
        for customer_id, at in self:
            (inside if customer_id in chosen else outside).add(customer_id, at)
        return inside, outside

    def in_time_order(self) -> Cohort:
        """Earliest first (ties by id): the order the engine takes due enrollments in."""
        pairs = sorted(self, key=lambda pair: (pair[1], pair[0]))
        return Cohort([c for c, _ in pairs], [t for _, t in pairs], self.fresh)

    @classmethod
    def join(cls, parts: list[Cohort]) -> Cohort:
        joined = cls()
        for part in parts:
            joined.ids.extend(part.ids)
            joined.times.extend(part.times)
        return joined

    @classmethod
    def at(cls, ids: list[int], moment: datetime, fresh: bool) -> Cohort:
        return cls(ids, [moment] * len(ids), fresh)
