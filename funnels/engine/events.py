"""What the domain's events do to funnels, read from the dispatcher's batches (the outbox's
one consumer, notifications/dispatch): this is a reaction that makes no message but writes
in the dispatcher's transaction, so an event's effects on funnels commit exactly when the
event is marked done, and a batch given again after a crash finds them done (entries under
the re-entry rules, moves under the enrollments' row locks, goals converted once).

For a batch of events, in order:
1. **entries**: each ACTIVE funnel triggered by one of the events' kinds enters the events'
   customers (its current version, its re-entry rule; its entry filter narrows them; a
   filter that no longer compiles, a saved segment it names deleted, enters nobody and
   stops neither the other funnels nor the batch);
2. **exits and waits**: each active enrollment of the events' customers (locked, in id
   order) leaves when one of its version's exit events came after it entered, else, waiting
   at a wait for one of the events that came after it started waiting, moves on to the
   wait's `next` (a step run with outcome EVENT);
3. **goals**: a purchase converts each open goal of its customer whose window it falls in
   (the earliest such purchase, with its total as revenue), whatever the status of the
   goal's funnel now (paused or archived since the window opened: the window stays open)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text

from domain.errors import DomainError
from domain.events.outbox import PendingEvent
from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.entry import EventTrigger
from funnels.definitions.events import DOMAIN_EVENT_TYPES, FunnelEvent
from funnels.definitions.queries import active_funnels
from funnels.definitions.steps import UntilEvent, Wait
from funnels.engine.advancing import Chain, Definitions, record_moves
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.engine.models import Enrollment, Move, Outcome, Status, enrollment_of
from funnels.engine.steps.batch import Narrow, go_on

logger = logging.getLogger("tessera.funnels")

FUNNEL_EVENTS = {domain: funnel for funnel, domain in DOMAIN_EVENT_TYPES.items() if domain}

_ACTIVE_OF = text("""
    SELECT id, funnel_id, version, customer_id, step_id, step_seq, waiting, due_at, context,
           entered_at
      FROM funnel_enrollments
     WHERE customer_id = ANY(CAST(:customer_ids AS bigint[])) AND status = 'ACTIVE'
       AND funnel_id = ANY(CAST(:funnel_ids AS bigint[]))
     ORDER BY id
       FOR UPDATE
""")

# Each open goal of the purchases' customers, converted by the earliest purchase in its
# window.
_CONVERT = text("""
    UPDATE funnel_goals g SET converted_at = p.occurred_at, event_id = p.event_id,
                              revenue_minor = p.revenue_minor
      FROM (SELECT g2.enrollment_id, g2.goal, first.occurred_at, first.event_id,
                   first.revenue_minor
              FROM funnel_goals g2
              JOIN LATERAL (
                  SELECT e.occurred_at, e.event_id, e.revenue_minor
                    FROM unnest(CAST(:customer_ids AS bigint[]), CAST(:times AS timestamptz[]),
                                CAST(:event_ids AS bigint[]), CAST(:revenues AS bigint[]))
                         AS e(customer_id, occurred_at, event_id, revenue_minor)
                   WHERE e.customer_id = g2.customer_id
                     AND e.occurred_at BETWEEN g2.opened_at AND g2.until
                   ORDER BY e.occurred_at, e.event_id
                   LIMIT 1) first ON true
             WHERE g2.customer_id = ANY(CAST(:customer_ids AS bigint[]))
               AND g2.converted_at IS NULL) p
     WHERE g.enrollment_id = p.enrollment_id AND g.goal = p.goal
""")


class FunnelEvents:
    """The funnel engine as one of the dispatcher's reactions (see the module's docstring)."""

    def __init__(
        self, definitions: Definitions, narrow: Narrow, clock: Callable[[], datetime]
    ) -> None:
        self._definitions = definitions
        self._narrow = narrow
        self._clock = clock

    async def messages_for(self, uow: UnitOfWork, events: Sequence[PendingEvent]) -> list[Any]:
        await react(uow, events, self._definitions, self._narrow, self._clock())
        return []


async def react(
    uow: UnitOfWork,
    events: Sequence[PendingEvent],
    definitions: Definitions,
    narrow: Narrow,
    now: datetime,
) -> None:
    relevant = [e for e in events if e.customer_id is not None and e.type in FUNNEL_EVENTS]
    if not relevant:
        return
    funnels = await active_funnels(uow)
    if funnels:
        current = await definitions(uow, [(f.id, f.current_version) for f in funnels])
        await _enter(uow, relevant, funnels, current, narrow, now)
        await _exit_or_wake(uow, relevant, [f.id for f in funnels], definitions, now)
    # Whatever the funnels' status now: a goal's window opened is converted by a purchase
    # in it (a paused funnel's too, even when no funnel is ACTIVE).
    await _convert_goals(uow, relevant)


async def _enter(
    uow: UnitOfWork,
    events: Sequence[PendingEvent],
    funnels: Sequence[Any],
    current: dict[tuple[int, int], FunnelDefinition],
    narrow: Narrow,
    now: datetime,
) -> None:
    customers_by_kind: dict[FunnelEvent, list[int]] = defaultdict(list)
    for event in events:
        assert event.customer_id is not None
        customers_by_kind[FUNNEL_EVENTS[event.type]].append(event.customer_id)
    for funnel in funnels:
        definition = current.get((funnel.id, funnel.current_version))
        if definition is None or not isinstance(definition.entry.trigger, EventTrigger):
            continue
        ids = sorted(set(customers_by_kind.get(definition.entry.trigger.event, [])))
        if ids and definition.entry.filter is not None:
            try:
                ids = await narrow(uow, definition.entry.filter, ids, now)
            except DomainError:  # raised before any statement: the other funnels go on
                logger.warning("funnel %d: its entry filter no longer compiles; nobody "
                               "entered", funnel.id, exc_info=True)  # fmt: skip
                continue
        if not ids:
            continue
        period = definition.entry.reentry_period
        rule = EntryRule(definition.entry.reentry, period.length if period else None)
        door = Door(funnel.id, funnel.current_version, definition.start, rule)
        await enter_ids(uow, door, ids, now)


async def _exit_or_wake(
    uow: UnitOfWork,
    events: Sequence[PendingEvent],
    funnel_ids: Sequence[int],
    definitions: Definitions,
    now: datetime,
) -> None:
    by_customer: dict[int, list[PendingEvent]] = defaultdict(list)
    for event in events:
        assert event.customer_id is not None
        by_customer[event.customer_id].append(event)
    rows = list(
        await uow.execute(
            _ACTIVE_OF, {"customer_ids": sorted(by_customer), "funnel_ids": list(funnel_ids)}
        )
    )
    if not rows:
        return
    known = await definitions(uow, sorted({(r.funnel_id, r.version) for r in rows}))
    chain = Chain(now)
    for row in rows:
        definition = known.get((row.funnel_id, row.version))
        if definition is None:
            continue
        enrollment = enrollment_of(row)
        move = _event_move(
            enrollment, row.entered_at, definition, by_customer[row.customer_id], now
        )
        if move is not None:
            chain.record(enrollment, move)
    if chain.last:
        await record_moves(uow, chain, now)


def _event_move(
    enrollment: Enrollment,
    entered_at: datetime,
    definition: FunnelDefinition,
    events: Sequence[PendingEvent],
    now: datetime,
) -> Move | None:
    kinds_after = {FUNNEL_EVENTS[e.type] for e in events if e.occurred_at > entered_at}
    if definition.exit is not None:
        left_on = [k for k in definition.exit.events if k in kinds_after]
        if left_on:
            return Move(enrollment.id, Outcome.EXITED, None, None, ran=False,
                        status=Status.EXITED, reason=f"EVENT:{left_on[0].value}")  # fmt: skip
    step = definition.step(enrollment.step_id)
    if not (enrollment.waiting and isinstance(step, Wait) and isinstance(step.until, UntilEvent)):
        return None
    waited_from = enrollment.due_at - step.until.timeout.length
    came = [e for e in events if FUNNEL_EVENTS[e.type] is step.until.event
            and e.occurred_at >= waited_from]  # fmt: skip
    if not came:
        return None
    detail = {"event": came[0].id}
    return go_on(enrollment, Outcome.EVENT, step.next, now, detail)


async def _convert_goals(uow: UnitOfWork, events: Sequence[PendingEvent]) -> None:
    purchases = [e for e in events if FUNNEL_EVENTS[e.type] is FunnelEvent.PURCHASE_RECORDED]
    if not purchases:
        return
    await uow.execute(
        _CONVERT,
        {
            "customer_ids": [e.customer_id for e in purchases],
            "times": [e.occurred_at for e in purchases],
            "event_ids": [e.id for e in purchases],
            "revenues": [int(e.payload.get("total_minor", 0)) for e in purchases],
        },
    )
