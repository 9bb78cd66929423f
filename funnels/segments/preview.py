"""Evaluating a segment: the query for a filter (saved segments loaded and expanded), how many
customers match, a sample page of them, and how costly PostgreSQL expects the query to be.

Cost classes come from the planner's estimated total cost of the count (EXPLAIN, not run;
in the planner's units, where reading one page sequentially costs 1): LOW below 10,000
(an indexed lookup, or a scan of a few thousand customers), MEDIUM below 1,000,000 (a
scan of up to about a million customers' rows), HIGH above (several large scans or
aggregates: fine for a nightly funnel, slow for a preview typed live)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ClauseElement, Executable, Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from domain.customers.models import Customer
from domain.customers.repository import customers_among
from domain.errors import Problems
from domain.uow import UnitOfWork, read_only
from funnels.segments import model as m
from funnels.segments.checking import check_filter
from funnels.segments.compiler import FunnelConditions, compile_filter
from funnels.segments.references import check_filter_references
from funnels.segments.saved import load_saved

LOW_COST_BELOW = 10_000.0
MEDIUM_COST_BELOW = 1_000_000.0
MAX_SAMPLE = 100


class CostClass(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


def cost_class(total_cost: float) -> CostClass:
    """The class of a planner's estimated total cost (thresholds in the module docstring)."""
    if total_cost < LOW_COST_BELOW:
        return CostClass.LOW
    return CostClass.MEDIUM if total_cost < MEDIUM_COST_BELOW else CostClass.HIGH


@dataclass(frozen=True)
class SegmentPreview:
    count: int
    sample: list[Customer]
    cost_class: CostClass
    estimated_cost: float


async def segment_query(
    uow: UnitOfWork,
    segment: m.SegmentFilter,
    now: datetime,
    funnels: FunnelConditions | None = None,
    path: str = "filter",
) -> Select[tuple[int]]:
    """The one query of the ids of the customers `segment` matches at `now`, its saved
    segments read in the open unit of work (compile_filter's errors, named under `path`)."""
    saved = await load_saved(uow, segment)
    return compile_filter(segment, now, saved=saved, funnels=funnels, path=path)


def count_query(ids: Select[tuple[int]]) -> Select[Any]:
    """How many customers a segment's query selects: one statement."""
    return select(func.count()).select_from(ids.subquery("segment"))


async def preview_segment(
    uow: UnitOfWork,
    raw_filter: object,
    now: datetime,
    first: int = 10,
    funnels: FunnelConditions | None = None,
) -> SegmentPreview:
    """The customers a filter (JSON) matches at `now`: how many, the first `first` by id,
    and the planner's cost class, all read in one snapshot (so the count and the sample
    describe the same customers, whatever commits meanwhile). Every problem of the filter
    (syntax, then names that do not exist) is raised at once as a DomainError with JSON
    paths under `filter`; nothing is written."""
    problems = Problems()
    checked = check_filter(problems, raw_filter, "filter")
    problems.raise_if_any()
    assert checked is not None

    async def read(uow: UnitOfWork) -> SegmentPreview:
        await check_filter_references(uow, problems, checked, "filter")
        problems.raise_if_any()
        ids = await segment_query(uow, checked, now, funnels)
        counting = count_query(ids)
        count = int((await uow.execute(counting)).scalar_one())
        sample = await customers_among(uow, ids, max(0, min(first, MAX_SAMPLE)))
        cost = await estimated_cost(uow, counting)
        return SegmentPreview(count, sample.items, cost_class(cost), cost)

    return await read_only(uow, read)


async def estimated_cost(uow: UnitOfWork, query: Select[Any]) -> float:
    """The planner's estimated total cost of `query` (EXPLAIN without running it)."""
    plan = (await uow.execute(_Explain(query))).scalar_one()
    document = json.loads(plan) if isinstance(plan, str) else plan
    return float(document[0]["Plan"]["Total Cost"])


class _Explain(Executable, ClauseElement):
    """EXPLAIN (FORMAT JSON) of a Core query, its parameters bound as the query's are."""

    inherit_cache = False

    def __init__(self, query: Select[Any]) -> None:
        self.query = query


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.query, **kw)
