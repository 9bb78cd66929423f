"""Messages a crashed sender left SENDING: queued again when it died before handing them to
the provider, marked UNCERTAIN when it died after (the provider may have sent them).

The choice for that second window is at most once: an UNCERTAIN message is never sent again
automatically, because sending it twice (a second "you earned 120 points", a second voucher
code) is worse for a customer than the rare message lost in a crash; the delivery log shows
it, and an operator who checks the provider's own log can settle it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update

from domain.commands import Command, run
from domain.uow import UnitOfWork
from notifications.delivery.models import Status
from notifications.delivery.tables import messages

# Longer than any provider call (their timeouts are 10 s) and a sender's retries of one.
STUCK_AFTER_S = 300.0

logger = logging.getLogger("tessera.notifications")


@dataclass(frozen=True)
class Recovered:
    requeued: list[int]
    uncertain: list[int]


async def recover_stuck_messages(
    uow: UnitOfWork, stuck_after_s: float = STUCK_AFTER_S, now: datetime | None = None
) -> Recovered:
    """Settle the messages claimed more than `stuck_after_s` ago and still SENDING (see the
    module's docstring); each UNCERTAIN one is logged. Safe to run repeatedly and on several
    workers at once."""
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=stuck_after_s)
    recovered = await run(uow, RecoverStuck(cutoff))
    for message_id in recovered.uncertain:
        logger.warning(
            "message %s was handed to its provider by a sender that then stopped: UNCERTAIN, "
            "not sent again",
            message_id,
        )
    return recovered


@dataclass(frozen=True)
class RecoverStuck(Command[Recovered]):
    cutoff: datetime

    async def handle(self, uow: UnitOfWork) -> Recovered:
        stuck = (messages.c.status == Status.SENDING.value, messages.c.claimed_at < self.cutoff)
        requeued = await uow.execute(
            update(messages)
            .where(*stuck, messages.c.handed_at.is_(None))
            .values(status=Status.QUEUED.value, not_before=None, updated_at=func.now())
            .returning(messages.c.id)
        )
        requeued_ids = sorted(requeued.scalars())
        uncertain = await uow.execute(
            update(messages)
            .where(*stuck, messages.c.handed_at.is_not(None))
            .values(
                status=Status.UNCERTAIN.value,
                status_reason="SENDER_STOPPED_AFTER_HANDOVER",
                updated_at=func.now(),
            )
            .returning(messages.c.id)
        )
        return Recovered(requeued_ids, sorted(uncertain.scalars()))
