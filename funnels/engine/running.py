"""The engine's loop: what a run of the `run_funnels` actor does, pass after pass, until its
time is up: exit the archived funnels' enrollments, move migrated versions' enrollments,
exit the customers who came to match their funnel's exit filter (the current and the
previous version's; older versions' enrollments are checked before their next step), enter
the schedules' and campaigns' due customers, then advance due enrollments batch after batch
until none is due.

A backlog (more due enrollments than HELP_ROUNDS rounds of batches: a campaign just
entered a large segment) asks for helpers first: the caller's `helpers` sends them to other
worker processes, each advancing batches until none is due (advance_until_idle), side by
side with this one. One process's Python (rendering messages, building moves) is bound to
one core; helpers put the others to work. A helper holds one of a fixed number of slots
while it helps (help_while_due), so the runs of later minutes that find the backlog still
there, and send helpers again, never add more than that: the extra ones leave at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError
from domain.uow import UnitOfWork, read
from funnels.definitions.models import FunnelStatus
from funnels.definitions.queries import active_funnel_ids, funnels_in, migrations_of
from funnels.engine.advancing import (
    DEFAULT_BATCH,
    Advanced,
    Definitions,
    advance_due,
    due_at_least,
)
from funnels.engine.housekeeping import (
    ARCHIVE_BATCH,
    exit_archived,
    exit_matching,
    migrate_enrollments,
    migration_hops,
)
from funnels.engine.steps.batch import Runtime
from funnels.engine.ticks import Audience, enter_due_ticks

logger = logging.getLogger("tessera.funnels")

# Batches advancing at once in one process (see advance_until_idle).
LANES = 2
# A batch rolled back as a deadlock victim or on a serialization failure is taken again.
_RETRIED_SQLSTATES = frozenset({"40P01", "40001"})
_BATCH_ATTEMPTS = 5

# Due enrollments beyond this many rounds of batches (a batch on each lane) ask for helpers.
HELP_ROUNDS = 4
# The helpers' slots: session advisory locks (this class, the slot's number), let go when a
# helper ends, crashed or not (its session ends).
HELPER_SLOTS = 710_010_001
_TAKE_SLOT = text("SELECT pg_try_advisory_lock(:slots, :slot)")
_LEAVE_SLOT = text("SELECT pg_advisory_unlock(:slots, :slot)")

Send = Callable[[list[int]], None]
Help = Callable[[], None]  # sends helpers to other worker processes (see the module)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Pass:
    """What one pass did: enrollments exited (their funnel archived, or their customer
    matching its exit filter), moved by a migration, entered, and the advancing."""

    exited: int
    migrated: int
    entered: int
    advanced: Advanced


async def advance_until_idle(
    engine: AsyncEngine,
    definitions: Definitions,
    runtime: Runtime,
    send: Send,
    clock: Callable[[], datetime] = utc_now,
    limit: int = DEFAULT_BATCH,
    max_batches: int = 10_000,
    active: Sequence[int] | None = None,
    lanes: int = LANES,
) -> Advanced:
    """Move due enrollments on, a batch (one transaction) at a time, until none is due (or
    `max_batches` were done: the caller comes back). The steps that follow one another with
    no wait run in the same batch. Each batch's messages are handed to `send` once it has
    committed (a send that fails is logged: the delivery's stale sweep sends QUEUED
    messages later). `active`: the ACTIVE funnels' ids when the caller has read them (read
    here otherwise). Totals of every batch.

    `lanes` batches run at once, each on its own connection (they take disjoint
    enrollments: FOR UPDATE SKIP LOCKED), so that one batch's Python work (rendering
    messages, building the moves) overlaps another's statements in PostgreSQL. A batch
    PostgreSQL chose as a deadlock victim (two batches locking the same customers' accounts
    in different steps) rolled back whole and is taken again."""
    funnels = active if active is not None else await read(UnitOfWork(engine), active_funnel_ids)
    if not funnels:
        return Advanced(0, 0, 0)
    budget = [max_batches]

    async def lane() -> Advanced:
        taken = ran = ended = 0
        while budget[0] > 0:
            budget[0] -= 1
            done = await _batch_retried(engine, funnels, definitions, runtime, clock, limit)
            taken, ran, ended = taken + done.taken, ran + done.ran, ended + done.ended
            if done.message_ids:
                _send(send, list(done.message_ids))
            if done.taken == 0:
                break
        return Advanced(taken, ran, ended)

    totals = await asyncio.gather(*(lane() for _ in range(max(1, lanes))))
    return Advanced(
        sum(t.taken for t in totals), sum(t.ran for t in totals), sum(t.ended for t in totals)
    )


async def advance_helped(
    engine: AsyncEngine,
    definitions: Definitions,
    runtime: Runtime,
    send: Send,
    helpers: Help | None,
    clock: Callable[[], datetime] = utc_now,
    limit: int = DEFAULT_BATCH,
    active: Sequence[int] | None = None,
) -> Advanced:
    """advance_until_idle, calling `helpers` first when the due enrollments are a backlog
    (at least HELP_ROUNDS rounds of LANES batches of `limit`)."""
    funnels = active if active is not None else await read(UnitOfWork(engine), active_funnel_ids)
    if not funnels:
        return Advanced(0, 0, 0)
    if helpers is not None:
        backlog = HELP_ROUNDS * LANES * limit
        if await read(UnitOfWork(engine), lambda uow: due_at_least(uow, funnels, clock(), backlog)):
            logger.info("at least %d enrollments due: asking for helpers", backlog)
            _help(helpers)
    return await advance_until_idle(
        engine, definitions, runtime, send, clock, limit, active=funnels
    )


async def help_while_due(
    engine: AsyncEngine,
    definitions: Definitions,
    runtime: Runtime,
    send: Send,
    slots: int,
    clock: Callable[[], datetime] = utc_now,
    limit: int = DEFAULT_BATCH,
) -> Advanced | None:
    """What a helper does (see the module): with one of `slots` free, advance until none is
    due (advance_until_idle); None, at once, when every slot is taken. Needs a connection
    of `engine` for its slot beside the lanes'."""
    async with engine.connect() as conn:
        held = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for slot in range(slots):
            params = {"slots": HELPER_SLOTS, "slot": slot}
            if (await held.execute(_TAKE_SLOT, params)).scalar_one():
                try:
                    return await advance_until_idle(engine, definitions, runtime, send, clock,
                                                    limit)  # fmt: skip
                finally:
                    await held.execute(_LEAVE_SLOT, params)
    return None


async def _batch_retried(
    engine: AsyncEngine,
    funnels: Sequence[int],
    definitions: Definitions,
    runtime: Runtime,
    clock: Callable[[], datetime],
    limit: int,
) -> Advanced:
    for attempt in range(1, _BATCH_ATTEMPTS + 1):
        try:
            return await advance_due(
                UnitOfWork(engine), funnels, definitions, runtime, clock(), limit
            )
        except DBAPIError as error:
            state = getattr(error.orig, "sqlstate", None)
            if attempt == _BATCH_ATTEMPTS or state not in _RETRIED_SQLSTATES:
                raise
            logger.info("funnel batch rolled back (%s); taking it again", state)
    raise AssertionError("unreachable")


async def one_pass(
    engine: AsyncEngine,
    definitions: Definitions,
    runtime: Runtime,
    audience: Audience,
    send: Send,
    clock: Callable[[], datetime] = utc_now,
    helpers: Help | None = None,
) -> Pass:
    """Housekeeping (archived funnels, migrations, exit filters), clock entries and
    advancing (with helpers on a backlog), once (see the module)."""
    live = await read(
        UnitOfWork(engine),
        lambda uow: funnels_in(
            uow, [FunnelStatus.ACTIVE, FunnelStatus.PAUSED, FunnelStatus.ARCHIVED]
        ),
    )
    archived = [f.id for f in live if f.status is FunnelStatus.ARCHIVED]
    exited = 0
    while archived:
        done = await _in_transaction(engine, lambda uow: exit_archived(uow, archived, clock()))
        exited += done
        if done < ARCHIVE_BATCH:
            break
    running = [f for f in live if f.status is not FunnelStatus.ARCHIVED]
    keys = [(f.id, v) for f in running for v in (f.current_version, f.current_version - 1) if v]
    known = await read(UnitOfWork(engine), lambda uow: definitions(uow, keys))
    migrated = await _migrate(engine, [f.id for f in running], definitions, clock)
    active = [
        (f, known[(f.id, f.current_version)])
        for f in running
        if f.status is FunnelStatus.ACTIVE and (f.id, f.current_version) in known
    ]
    for funnel in (f for f in running if f.status is FunnelStatus.ACTIVE):
        for version in (funnel.current_version, funnel.current_version - 1):
            definition = known.get((funnel.id, version))
            if definition is not None and definition.exit and definition.exit.filter:
                try:
                    exited += await _in_transaction(
                        engine, partial(_exit_matching, funnel_id=funnel.id, version=version,
                                        raw=definition.exit.filter, audience=audience,
                                        now=clock())
                    )  # fmt: skip
                except DomainError:  # fails the version's enrollments as they come due
                    logger.warning("funnel %d v%d: its exit filter no longer compiles",
                                   funnel.id, version, exc_info=True)  # fmt: skip
    entered = await enter_due_ticks(lambda: UnitOfWork(engine), active, audience, clock())
    active_ids = [f.id for f in running if f.status is FunnelStatus.ACTIVE]
    advanced = await advance_helped(
        engine, definitions, runtime, send, helpers, clock, active=active_ids
    )
    return Pass(exited, migrated, sum(entered.values()), advanced)


async def _migrate(
    engine: AsyncEngine,
    funnel_ids: Sequence[int],
    definitions: Definitions,
    clock: Callable[[], datetime],
) -> int:
    """Every stored migration of these funnels applied, in version order (housekeeping's
    migration_hops), one transaction per funnel that has any; how many enrollments moved."""
    stored = await read(UnitOfWork(engine), lambda uow: migrations_of(uow, funnel_ids))
    keys = sorted({(f, v) for f, by in stored.items() for to in by for v in (to - 1, to) if v})
    known = await read(UnitOfWork(engine), lambda uow: definitions(uow, keys))
    migrated = 0
    for funnel_id, migrations in sorted(stored.items()):
        versions = {v: d for (f, v), d in known.items() if f == funnel_id}
        hops = migration_hops(migrations, versions)
        if hops:
            migrated += await _in_transaction(
                engine, partial(migrate_enrollments, funnel_id=funnel_id, hops=hops, now=clock())
            )
    return migrated


async def run_for(
    engine: AsyncEngine,
    definitions: Definitions,
    runtime: Runtime,
    audience: Audience,
    send: Send,
    run_for_s: float,
    idle_sleep_s: float = 1.0,
    helpers: Help | None = None,
) -> int:
    """Passes until `run_for_s` has passed, sleeping `idle_sleep_s` between passes that
    found nothing to do; how many step runs they made in all. `helpers`: see the module."""
    deadline = time.monotonic() + run_for_s
    ran = 0
    while True:
        done = await one_pass(engine, definitions, runtime, audience, send, helpers=helpers)
        ran += done.advanced.ran
        if time.monotonic() >= deadline:
            return ran
        if done.advanced.taken == 0 and done.entered == 0:
            await asyncio.sleep(idle_sleep_s)


async def _exit_matching(
    uow: UnitOfWork, funnel_id: int, version: int, raw: object, audience: Audience, now: datetime
) -> int:
    return await exit_matching(uow, funnel_id, version, await audience(uow, raw, now), now)


async def _in_transaction(engine: AsyncEngine, work: Callable[[UnitOfWork], Awaitable[int]]) -> int:
    async with UnitOfWork(engine) as uow:
        done = await work(uow)
        await uow.commit()
    return done


def _help(helpers: Help) -> None:
    try:
        helpers()
    except Exception:  # the broker is down: this process advances alone
        logger.warning("could not send funnel helpers", exc_info=True)


def _send(send: Send, ids: list[int]) -> None:
    try:
        send(ids)
    except Exception:  # the broker is down: the stale sweep sends them later
        logger.warning(
            "could not request the sending of %d funnel message(s); the stale sweep will",
            len(ids),
            exc_info=True,
        )
