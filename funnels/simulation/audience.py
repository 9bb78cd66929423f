"""Who enters a dry run: the trigger's audience at asOf, less whom the re-entry rule keeps
out. The selection is the clock entries' own (funnels.engine.ticks.entry_selection) and the
rule the engine's admission query (funnels.engine.entering.admissions), run as reads.

- a campaign with a customer list: those customers, narrowed by the entry filter
  (CUSTOMER_LIST); without a list: everyone the entry filter selects, every customer
  without one (SEGMENT). The campaign's `at` is not waited for: it enters at asOf;
- a schedule: one occurrence at asOf, everyone its entry filter selects then
  (SCHEDULE_FILTER), whatever the cron says about asOf;
- an event: everyone who passes the entry filter at asOf, as if each of them triggered
  the event at asOf (EVENT_ELIGIBLE): an upper bound of who could enter, not a forecast of
  how many events will come.

A saved funnel's re-entry rule reads its enrollments: a customer who entered before is
counted as not entering (ONCE), until the period has passed (ONCE_PER_PERIOD), or while
inside (WHEN_NOT_INSIDE). A definition not saved has no enrollments: everyone enters. The
customers already inside a saved funnel are not simulated: the dry run shows what new
entries would do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from domain.errors import DomainError, Problem
from domain.uow import UnitOfWork
from funnels.definitions.entry import CampaignTrigger, EventTrigger, ScheduleTrigger, Trigger
from funnels.engine.entering import EntryRule, admissions
from funnels.engine.ticks import entry_selection
from funnels.simulation.request import Plan
from funnels.simulation.results import AudienceBasis
from funnels.simulation.runtime import SimulationRuntime


@dataclass(frozen=True)
class Entering:
    basis: AudienceBasis
    audience: int  # the trigger's audience at asOf
    ids: list[int]  # those the re-entry rule lets in, by id


def basis_of(trigger: Trigger) -> AudienceBasis:
    if isinstance(trigger, EventTrigger):
        return AudienceBasis.EVENT_ELIGIBLE
    if isinstance(trigger, ScheduleTrigger):
        return AudienceBasis.SCHEDULE_FILTER
    assert isinstance(trigger, CampaignTrigger)
    return AudienceBasis.SEGMENT if trigger.customers is None else AudienceBasis.CUSTOMER_LIST


async def entering(
    uow: UnitOfWork, runtime: SimulationRuntime, plan: Plan, as_of: datetime
) -> Entering:
    """Who would enter at `as_of`: two reads (how many the audience holds, and the ids of
    those admitted), whatever their number."""
    entry = plan.definition.entry
    try:
        selection = await entry_selection(uow, entry, runtime.audience, as_of)
    except DomainError as error:  # a saved segment the filter names is gone since
        raise under("entry.filter", error) from error
    audience = (await uow.execute(_count(selection))).scalar_one()
    if plan.funnel_id is None:
        admitted: Select[tuple[int]] = selection
    else:
        period = entry.reentry_period
        rule = EntryRule(entry.reentry, period.length if period else None)
        admitted_rows = admissions(plan.funnel_id, rule, selection, as_of).subquery("admitted")
        admitted = select(admitted_rows.c.id)
    column = admitted.selected_columns[0]
    ids = list((await uow.execute(admitted.order_by(column))).scalars())
    return Entering(basis_of(entry.trigger), int(audience), ids)


def _count(selection: Select[tuple[int]]) -> Select[Any]:
    return select(func.count()).select_from(selection.subquery("audience"))


def under(path: str, error: DomainError) -> DomainError:
    """The error of a stored filter (named `filter...` by the filters' compiler) named at
    its place in the definition (`steps[3].filter...`, `entry.filter...`)."""
    problems = [
        Problem(
            path + (p.field or "filter").removeprefix("filter")
            if (p.field or "filter").startswith("filter")
            else path,
            p.code,
            p.message,
        )
        for p in error.problems
    ]
    return DomainError(problems)
