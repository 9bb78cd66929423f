"""Entries that come from the clock: a funnel's schedule (a cron in a time zone: every day
at 9:00 in Rome, enter the customers whose birthday is today) and a campaign (one entry of
a segment or a list of customers, now or at a set time).

An occurrence (`tick`) enters its customers once: the tick's row and the enrollments are
written in one transaction, and the row's primary key refuses a second (two schedulers at
once: one enters, the other's transaction fails on the key and enters nobody). Rules:
- a campaign's tick is `campaign`: due once the funnel is ACTIVE and its `at` (if any) has
  come; it enters its customer list, else everyone its entry filter selects;
- a schedule's tick is its latest fire time in the funnel's zone, due when it is at most
  LATE_LIMIT old: a scheduler stopped for longer skips that occurrence rather than, say,
  wishing happy birthday at midnight; it enters everyone its entry filter selects (every
  customer when it has none).
Both follow the funnel's re-entry rule, like every entry."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, text

from domain.commands import Command, run
from domain.customers.sql import existing_customers
from domain.errors import DomainError
from domain.gifts.cron import latest_until
from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.entry import CampaignTrigger, Entry, ScheduleTrigger
from funnels.definitions.models import Funnel
from funnels.engine.entering import Door, EntryRule, enter_selected

logger = logging.getLogger("tessera.funnels")

LATE_LIMIT = timedelta(hours=1)
# An entry this large changes what the enrollments look like to PostgreSQL's planner (a
# campaign: a million rows due at once in a table that held few), so the table's statistics
# are refreshed at once rather than whenever autovacuum comes round: planned on the old ones,
# every batch's take sorted all the due rows again (a second a batch at a million) instead
# of reading its oldest off the due index in order.
ANALYZE_AFTER = 10_000
_ANALYZE = text("ANALYZE funnel_enrollments")
CAMPAIGN = "campaign"

# The query of the customers an entry filter selects at `now` (the segments' compiled
# filter, from the composition root).
Audience = Callable[[UnitOfWork, object, datetime], Awaitable[Select[tuple[int]]]]

_TICK = text("""
    INSERT INTO funnel_entry_ticks (funnel_id, tick, version, entered, ran_at)
    VALUES (:funnel_id, :tick, :version, :entered, :now)
    ON CONFLICT (funnel_id, tick) DO NOTHING
    RETURNING tick
""")
_DONE = text("SELECT 1 FROM funnel_entry_ticks WHERE funnel_id = :funnel_id AND tick = :tick")


def due_tick(definition: FunnelDefinition, now: datetime) -> str | None:
    """The occurrence of the funnel's clock entry due at `now`, if any (see the module)."""
    trigger = definition.entry.trigger
    if isinstance(trigger, CampaignTrigger):
        return CAMPAIGN if trigger.at is None or trigger.at <= now else None
    if isinstance(trigger, ScheduleTrigger):
        fired = latest_until(trigger.cron, now.astimezone(ZoneInfo(trigger.time_zone)))
        if fired is None or now - fired > LATE_LIMIT:
            return None
        return fired.isoformat()
    return None


@dataclass(frozen=True)
class EnterTick(Command[int | None]):
    """Enter the tick's customers and record the tick, once (None: it was done before)."""

    funnel: Funnel
    definition: FunnelDefinition
    tick: str
    audience: Audience
    now: datetime

    async def handle(self, uow: UnitOfWork) -> int | None:
        params = {"funnel_id": self.funnel.id, "tick": self.tick}
        if (await uow.execute(_DONE, params)).first() is not None:
            return None
        entry = self.definition.entry
        selection = await entry_selection(uow, entry, self.audience, self.now)
        period = entry.reentry_period
        rule = EntryRule(entry.reentry, period.length if period else None)
        door = Door(self.funnel.id, self.funnel.current_version, self.definition.start, rule)
        entered = await enter_selected(uow, door, selection, self.now)
        recorded = await uow.execute(
            _TICK,
            {
                **params,
                "version": self.funnel.current_version,
                "entered": entered,
                "now": self.now,
            },
        )
        if recorded.first() is None:  # another run recorded it meanwhile: undo ours
            raise _AlreadyEntered
        return entered


async def entry_selection(
    uow: UnitOfWork, entry: Entry, audience: Audience, now: datetime
) -> Select[tuple[int]]:
    """The query of the customers an occurrence of a clock entry enters at `now`, before
    the re-entry rule: a campaign's customer list (narrowed by the entry filter), else
    everyone the entry filter selects (every customer without one). The dry run
    (funnels.simulation) asks the same for every kind of trigger."""
    trigger = entry.trigger
    if isinstance(trigger, CampaignTrigger) and trigger.customers is not None:
        if entry.filter is None:
            return existing_customers(trigger.customers)
        narrowed = await audience(uow, entry.filter, now)
        return narrowed.where(narrowed.selected_columns[0].in_(trigger.customers))
    if entry.filter is not None:
        return await audience(uow, entry.filter, now)
    return existing_customers(None)


class _AlreadyEntered(Exception):
    """Another run entered this tick's customers first (its row won): ours rolls back."""


async def enter_due_ticks(
    uow_of: Callable[[], UnitOfWork],
    funnels: Sequence[tuple[Funnel, FunnelDefinition]],
    audience: Audience,
    now: datetime,
) -> dict[int, int]:
    """Enter the due occurrence of each funnel's clock entry, each in its own transaction;
    customers entered by funnel (funnels with nothing due, or done, are left out). A funnel
    whose entry filter no longer compiles (a saved segment it names deleted) enters nobody
    and its occurrence stays due; the others enter. After
    ANALYZE_AFTER entries or more, the enrollments' statistics are refreshed."""
    entered: dict[int, int] = {}
    for funnel, definition in funnels:
        tick = due_tick(definition, now)
        if tick is None:
            continue
        try:
            done = await run(uow_of(), EnterTick(funnel, definition, tick, audience, now))
        except _AlreadyEntered:
            continue
        except DomainError:  # its entry filter no longer compiles: the other funnels enter
            logger.warning("funnel %d: its entry filter no longer compiles; nobody entered",
                           funnel.id, exc_info=True)  # fmt: skip
            continue
        if done is not None:
            entered[funnel.id] = done
    if sum(entered.values()) >= ANALYZE_AFTER:
        async with uow_of() as uow:
            await uow.execute(_ANALYZE)
            await uow.commit()
    return entered
