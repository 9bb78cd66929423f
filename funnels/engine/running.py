"""The engine's loop: batch after batch of due enrollments, until none is due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork, read
from funnels.definitions.queries import active_funnel_ids
from funnels.engine.advancing import DEFAULT_BATCH, Advanced, Definitions, advance_due
from funnels.engine.steps.batch import Runtime

logger = logging.getLogger("tessera.funnels")


def utc_now() -> datetime:
    return datetime.now(UTC)


async def advance_until_idle(
    engine: AsyncEngine,
    definitions: Definitions,
    runtime: Runtime,
    send: Callable[[list[int]], None],
    clock: Callable[[], datetime] = utc_now,
    limit: int = DEFAULT_BATCH,
    max_batches: int = 10_000,
) -> Advanced:
    """Move due enrollments on, a batch (one transaction) at a time, until none is due (or
    `max_batches` were done: the caller comes back). The steps that follow one another with
    no wait run in the same call, a batch each. Each batch's messages are handed to `send`
    once it has committed (a send that fails is logged: the delivery's stale sweep sends
    QUEUED messages later). Totals of every batch."""
    funnels = await read(UnitOfWork(engine), active_funnel_ids)
    taken = ran = ended = 0
    for _ in range(max_batches):
        done = await advance_due(UnitOfWork(engine), funnels, definitions, runtime, clock(), limit)
        taken, ran, ended = taken + done.taken, ran + done.ran, ended + done.ended
        if done.message_ids:
            try:
                send(list(done.message_ids))
            except Exception:  # the broker is down: the stale sweep sends them later
                logger.warning("could not request the sending of %d funnel message(s)",
                               len(done.message_ids), exc_info=True)  # fmt: skip
        if done.taken == 0:
            break
    return Advanced(taken, ran, ended)
