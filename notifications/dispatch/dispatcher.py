"""`dispatch_pending`: one batch of pending events made into messages, in one transaction.

Exactly one message per dedupe key, whatever happens: events are taken FOR UPDATE SKIP
LOCKED and marked published in the transaction that creates their messages, so two
dispatchers at once take disjoint batches, and a dispatcher that dies leaves its batch
pending for the next one (events are delivered at least once); a message whose dedupe key
exists is not created again (ON CONFLICT DO NOTHING on the unique key). At least once plus
the unique key is exactly one message per event, notification and channel."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from domain.commands import Command, run
from domain.events.outbox import take_pending
from domain.uow import UnitOfWork
from notifications.delivery.models import NewMessage, Status
from notifications.delivery.queueing import insert_messages
from notifications.dispatch.reactions import Reaction

DEFAULT_BATCH = 500

logger = logging.getLogger("tessera.notifications")


@dataclass(frozen=True)
class Dispatched:
    """What one call did: how many events it took (and marked done), the ids of the
    messages it created that are to be sent (QUEUED), and how many it created FAILED (a
    template that did not render for the customer)."""

    events: int
    message_ids: list[int]
    failed: int = 0


async def dispatch_pending(
    uow: UnitOfWork, reactions: Sequence[Reaction], limit: int = DEFAULT_BATCH
) -> Dispatched:
    """Take up to `limit` pending events (oldest first), make the messages `reactions` ask
    for, create them (once per dedupe key) and commit: the events are done exactly when
    their messages exist. Send the returned ids after this returns (a send request lost
    after the commit is picked up by the delivery's stale sweep). Safe to run concurrently
    and repeatedly."""
    return await run(uow, DispatchBatch(tuple(reactions), limit))


@dataclass(frozen=True)
class DispatchBatch(Command[Dispatched]):
    reactions: tuple[Reaction, ...]
    limit: int

    async def handle(self, uow: UnitOfWork) -> Dispatched:
        events = await take_pending(uow, self.limit)
        if not events:
            return Dispatched(0, [])
        wanted: list[NewMessage] = []
        for reaction in self.reactions:
            wanted.extend(await reaction.messages_for(uow, events))
        created = await insert_messages(uow, wanted)
        queued = sorted(m.id for m in created if m.status is Status.QUEUED)
        failed = sum(1 for m in created if m.status is Status.FAILED)
        logger.debug(
            "dispatched %d event(s): %d message(s) created, %d failed to render",
            len(events),
            len(created),
            failed,
        )
        return Dispatched(len(events), queued, failed)
