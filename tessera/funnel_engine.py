"""The funnel engine wired from the settings: its segment filters (funnels.segments,
compiled with the engine's own conditions), the definitions it runs (parsed once per
process), the shop its messages speak for, the reaction that hands it the domain's events
in the dispatcher's batches, and what its dry run (funnels.simulation) runs with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import BigInteger, Select, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from domain.errors import DomainError, Problems
from domain.uow import UnitOfWork
from funnels.engine.conditions import EngineConditions
from funnels.engine.events import FunnelEvents
from funnels.engine.running import utc_now
from funnels.engine.steps.batch import Runtime
from funnels.engine.versions import VersionCache
from funnels.segments import check_filter, segment_query
from funnels.simulation import SimulationRuntime
from tessera.funnel_filters import CHECK_FILTER
from tessera.settings import Settings
from tessera.shop import shop_of

CONDITIONS = EngineConditions()
# Saved versions never change: a process parses each once.
VERSIONS = VersionCache(CHECK_FILTER)


async def audience(uow: UnitOfWork, raw: object, now: datetime) -> Select[tuple[int]]:
    """The query of the customers a stored filter selects at `now`. The filter was checked
    when its funnel was saved; one that no longer checks (a saved segment deleted since)
    raises the checker's problems, which fail that entry rather than guess."""
    problems = Problems()
    checked = check_filter(problems, raw, "filter")
    if checked is None:
        raise DomainError(problems.items)
    return await segment_query(uow, checked, now, CONDITIONS)


async def narrow(uow: UnitOfWork, raw: object, ids: Sequence[int], now: datetime) -> list[int]:
    """The customers of `ids` a stored filter matches at `now`: one query, the ids in one
    array parameter (any number of them: the dry run narrows tens of thousands at once)."""
    if not ids:
        return []
    query = await audience(uow, raw, now)
    column = query.selected_columns[0]
    wanted = bindparam("narrowed_ids", list(ids), type_=ARRAY(BigInteger))
    return [row[0] for row in await uow.execute(query.where(column == any_(wanted)))]


def runtime(settings: Settings) -> Runtime:
    return Runtime(shop_of(settings), narrow)


def simulation_runtime(settings: Settings) -> SimulationRuntime:
    """What the funnel dry run (simulateFunnel) runs with: the engine's segment filters and
    the shop its messages speak for."""
    return SimulationRuntime(audience, narrow, shop_of(settings))


def funnel_reaction() -> FunnelEvents:
    return FunnelEvents(VERSIONS, narrow, utc_now)
