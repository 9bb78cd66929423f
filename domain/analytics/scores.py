"""Reading RFM scores: a customer's (or many customers') scores and the segment name they
fall in, and a Core relation of the scores for segment filters (analytics/sql.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from domain.analytics.tables import rfm_scores
from domain.uow import UnitOfWork

# (name, recency, frequency, monetary): each a range of scores, inclusive; the first rule
# a customer's scores fall in names their segment (docs/reports.md lists them).
SEGMENT_RULES: tuple[tuple[str, range, range, range], ...] = (
    ("Champions", range(4, 6), range(4, 6), range(4, 6)),
    ("Loyal", range(3, 6), range(4, 6), range(1, 6)),
    ("New", range(5, 6), range(1, 2), range(1, 6)),
    ("Promising", range(4, 6), range(1, 4), range(1, 6)),
    ("Big spenders", range(1, 6), range(1, 6), range(5, 6)),
    ("At risk", range(1, 3), range(3, 6), range(1, 6)),
    ("Hibernating", range(1, 3), range(1, 3), range(1, 6)),
)
OTHERS = "Needs attention"


def segment_name(recency: int, frequency: int, monetary: int) -> str:
    """The name of the first SEGMENT_RULES rule the scores fall in (OTHERS if none)."""
    for name, r, f, m in SEGMENT_RULES:
        if recency in r and frequency in f and monetary in m:
            return name
    return OTHERS


@dataclass(frozen=True)
class RfmScore:
    customer_id: int
    recency: int
    frequency: int
    monetary: int
    purchases: int
    spend_minor: int
    last_purchase_at: datetime
    computed_at: datetime

    @property
    def segment_name(self) -> str:
        return segment_name(self.recency, self.frequency, self.monetary)


async def scores_of(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, RfmScore]:
    """The scores of those of `customer_ids` who have one: one statement in the open unit
    of work (the ids go as one array parameter, whatever their number)."""
    wanted = bindparam("customer_ids", list(customer_ids), type_=ARRAY(BigInteger))
    s = rfm_scores.c
    query = select(
        s.customer_id,
        s.recency,
        s.frequency,
        s.monetary,
        s.orders,
        s.spend_minor,
        s.last_purchase_at,
        s.computed_at,
    ).where(s.customer_id == any_(wanted))
    rows = (await uow.execute(query)).all()
    return {int(r.customer_id): RfmScore(*tuple(r)) for r in rows}


@dataclass(frozen=True)
class RfmSummary:
    """The latest scores across customers: when the latest finished run computed them, how
    many customers each segment name holds (every name, empty ones too, in SEGMENT_RULES'
    order, OTHERS last), and how many have each score (1 to 5) on each measure."""

    computed_at: datetime | None
    customers: int
    segments: list[tuple[str, int]]
    recency: list[int]
    frequency: list[int]
    monetary: list[int]


async def rfm_summary(uow: UnitOfWork) -> RfmSummary:
    """The summary of rfm_scores now: one statement (at most 125 groups), folded here."""
    s = rfm_scores.c
    query = select(
        s.recency,
        s.frequency,
        s.monetary,
        func.count().label("n"),
        func.max(s.computed_at).label("latest"),
    ).group_by(s.recency, s.frequency, s.monetary)
    async with uow:
        rows = (await uow.execute(query)).all()
    names = [name for name, *_ in SEGMENT_RULES] + [OTHERS]
    per_name = dict.fromkeys(names, 0)
    per_score = {k: [0] * 5 for k in ("recency", "frequency", "monetary")}
    for row in rows:
        r, f, m, n = int(row.recency), int(row.frequency), int(row.monetary), int(row.n)
        per_name[segment_name(r, f, m)] += n
        for key, score in (("recency", r), ("frequency", f), ("monetary", m)):
            per_score[key][score - 1] += n
    latest = max((row.latest for row in rows), default=None)
    return RfmSummary(
        latest,
        sum(per_name.values()),
        list(per_name.items()),
        per_score["recency"],
        per_score["frequency"],
        per_score["monetary"],
    )
