"""The two statements a batch of messages is sent with: the claim, and the settlement of
what became of each claimed message (its deferral, its hand-over to the provider, or its
outcome), every row of it guarded by the message's claim.

Both take arrays (one parameter per column, however many messages), so each is one
prepared statement whatever the batch's size. The claim is a transaction of its own, with
the deferrals (frequency caps and quiet hours decide inside it, under their locks, and no
other sender ever sees a deferred message SENDING); so is the hand-over (HandOverBatch says
why). The outcomes run alone, committed at once, straight on the driver
(`OneStatement.fetch_all`: no BEGIN and COMMIT round trips, none of SQLAlchemy's
per-statement work)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text

from domain.commands import Command, OneStatementCommand
from domain.uow import OneStatement, UnitOfWork
from notifications.delivery.models import Message, Status, message_from
from notifications.delivery.tables import messages
from notifications.fatigue.enforcement import deferrals
from notifications.fatigue.models import Deferral

# Which of the claimed messages must wait, and until when (by message id): frequency caps
# and quiet hours, for marketing messages. Called with every message the claim took and the
# claim's time, inside the claim's transaction (its locks last until the claim commits).
Defer = Callable[[UnitOfWork, Sequence[Message], datetime], Awaitable[Mapping[int, Deferral]]]


async def no_deferrals(
    uow: UnitOfWork, claimed: Sequence[Message], now: datetime
) -> Mapping[int, Deferral]:
    """No frequency caps or quiet hours: nothing is held back."""
    return {}


# A claim never waits for a row another transaction holds: it skips it (SKIP LOCKED). The
# holder is another sender claiming that message, which then sends it (or, rarely, fails
# and leaves it QUEUED for the stale sweep). Waiting could deadlock: a claim's scan also
# locks rows it then finds claimed by someone else (the re-check after the lock fails, the
# lock stays until the claim commits), and the sender holding them may by then be waiting
# for those very rows to record its hand-over while holding rows this claim waits for. The
# locked ids are handed to the UPDATE as an array (not joined to a CTE) so that it finds
# them through the primary key: joined, PostgreSQL chose to read the whole table into a
# hash (3 ms at 20,000 rows, growing with the delivery log).
_CLAIM = text(
    """
    UPDATE messages SET
        status = 'SENDING',
        attempts = attempts + 1,
        claimed_at = clock_timestamp(),
        handed_at = NULL,
        updated_at = now()
    WHERE id = ANY(ARRAY(
        SELECT id FROM messages
        WHERE id = ANY(CAST(:ids AS bigint[]))
          AND status IN ('QUEUED', 'DEFERRED')
          AND (not_before IS NULL OR not_before <= now())
        ORDER BY id
        FOR UPDATE SKIP LOCKED
    ))
    RETURNING *
    """
).columns(*messages.c)


@dataclass(frozen=True)
class ClaimBatch(Command[list[Message]]):
    """Each message that is QUEUED or DEFERRED and due becomes SENDING, attempts + 1, with a
    claim time of its own, unless `defer` holds it back: then it is DEFERRED until its time
    with the reason, its attempt given back. The claimed messages as they now are, in id
    order; a message that is not there, already claimed, settled or not due is left out
    (another sender has it, or nobody should send it now)."""

    message_ids: Sequence[int]
    # The one place frequency caps and quiet hours plug in (for every claim, a batch's or a
    # single message's): notifications.fatigue's rule unless a caller gives another.
    defer: Defer = deferrals

    async def handle(self, uow: UnitOfWork) -> list[Message]:
        if not self.message_ids:
            return []
        rows = await uow.execute(_CLAIM, {"ids": sorted(set(self.message_ids))})
        claimed = sorted((message_from(row) for row in rows), key=lambda m: m.id)
        if not claimed:
            return []
        held = await self.defer(uow, claimed, min(_claim_of(m) for m in claimed))
        if not held:
            return claimed
        waiting = [deferred(m, held[m.id].not_before, str(held[m.id].reason))
                   for m in claimed if m.id in held]  # fmt: skip
        await uow.execute(_SETTLE, _settle_params(waiting))
        return [_held_back(m, held[m.id]) if m.id in held else m for m in claimed]


def _held_back(message: Message, deferral: Deferral) -> Message:
    return replace(
        message,
        status=Status.DEFERRED,
        status_reason=str(deferral.reason),
        not_before=deferral.not_before,
        attempts=message.attempts - 1,
    )


@dataclass(frozen=True)
class Settlement:
    """What to record of one claimed message (build it with the functions below)."""

    message_id: int
    claim: datetime
    status: Status
    reason: str | None = None
    error: str | None = None
    provider_id: str | None = None
    not_before: datetime | None = None
    # 1 for a deferral: the claim's attempt is given back (the message was not tried).
    attempts_back: int = 0
    # The address it goes to, when the customer's changed since it was made.
    recipient: str | None = None


def handed_over(message: Message) -> Settlement:
    """The provider is about to be called: `handed_at` set, the message stays SENDING,
    its recipient the one it is sent to (the customer's address now)."""
    return Settlement(message.id, _claim_of(message), Status.SENDING,
                      recipient=message.recipient)  # fmt: skip


def finished(
    message: Message,
    status: Status,
    reason: str | None = None,
    error: str | None = None,
    provider_id: str | None = None,
) -> Settlement:
    """A final status: SENT (with the provider's id), FAILED, SUPPRESSED or CAPTURED."""
    return Settlement(message.id, _claim_of(message), status, reason, error, provider_id)


def requeued(message: Message, retry_at: datetime, error: str) -> Settlement:
    """A transient failure: QUEUED again, not before `retry_at`, no longer handed over."""
    return Settlement(message.id, _claim_of(message), Status.QUEUED, error=error,
                      not_before=retry_at)  # fmt: skip


def deferred(message: Message, not_before: datetime, reason: str) -> Settlement:
    """Held back until `not_before` (quiet hours, a frequency cap): DEFERRED with its reason,
    its attempt given back."""
    return Settlement(message.id, _claim_of(message), Status.DEFERRED, reason=reason,
                      not_before=not_before, attempts_back=1)  # fmt: skip


def _claim_of(message: Message) -> datetime:
    if message.claimed_at is None:
        raise ValueError(f"message {message.id} is not claimed")
    return message.claimed_at


# One row per settlement, unnested from arrays, joined to the message under its claim:
# a message whose claim was lost (recovery settled it while its sender hung) is not
# touched, and is not in the ids returned (`m.id = ANY(:ids)` as well as the join: without
# it PostgreSQL read the whole table into a hash). Per status:
# - SENDING (the hand-over): handed_at set, and the recipient it goes to;
# - QUEUED (a retry) and DEFERRED: not_before set, handed_at cleared; DEFERRED keeps its
#   reason, QUEUED the reason it had;
# - a final status: its reason (null for SENT), the provider's id and sent_at when given.
# The error, when given, replaces the last one.
_SETTLE = text(
    """
    UPDATE messages AS m SET
        status = s.status,
        status_reason = CASE WHEN s.status IN ('SENDING', 'QUEUED') THEN m.status_reason
                             ELSE s.reason END,
        last_error = COALESCE(s.error, m.last_error),
        provider_id = COALESCE(s.provider_id, m.provider_id),
        sent_at = CASE WHEN s.provider_id IS NULL THEN m.sent_at ELSE now() END,
        not_before = CASE WHEN s.status IN ('QUEUED', 'DEFERRED') THEN s.not_before
                          ELSE m.not_before END,
        attempts = m.attempts - s.attempts_back,
        recipient = COALESCE(s.recipient, m.recipient),
        handed_at = CASE WHEN s.status = 'SENDING' THEN clock_timestamp()
                         WHEN s.status IN ('QUEUED', 'DEFERRED') THEN NULL
                         ELSE m.handed_at END,
        updated_at = now()
    FROM unnest(
        CAST(:ids AS bigint[]), CAST(:claims AS timestamptz[]), CAST(:statuses AS text[]),
        CAST(:reasons AS text[]), CAST(:errors AS text[]), CAST(:provider_ids AS text[]),
        CAST(:not_befores AS timestamptz[]), CAST(:attempts_back AS integer[]),
        CAST(:recipients AS text[])
    ) AS s(id, claim, status, reason, error, provider_id, not_before, attempts_back,
           recipient)
    WHERE m.id = ANY(CAST(:ids AS bigint[]))
      AND m.id = s.id AND m.status = 'SENDING' AND m.claimed_at = s.claim
    RETURNING m.id
    """
)


@dataclass(frozen=True)
class Settle(OneStatementCommand[set[int]]):
    """Record the settlements (outcomes), each only while its message is still under that
    claim; the ids of the messages recorded. One statement, committed on its own: a sender
    killed while it runs may still have it committed, which records what the provider
    answered."""

    settlements: Sequence[Settlement]

    async def handle(self, db: OneStatement) -> set[int]:
        if not self.settlements:
            return set()
        rows = await db.fetch_all(_SETTLE, _settle_params(self.settlements))
        return {int(row["id"]) for row in rows}


@dataclass(frozen=True)
class HandOverBatch(Command[set[int]]):
    """Record the hand-overs (and the settlements made before any provider call: no
    consent, the sandbox), each only while its message is still under that claim; the ids
    recorded. In a transaction, not on its own: PostgreSQL commits a lone statement when it
    finishes even if its client died meanwhile, so a sender killed while its hand-over ran
    would leave the batch handed over (UNCERTAIN, never sent) though no provider was called;
    a transaction whose client died never commits, and the batch is sent again."""

    settlements: Sequence[Settlement]

    async def handle(self, uow: UnitOfWork) -> set[int]:
        if not self.settlements:
            return set()
        rows = await uow.execute(_SETTLE, _settle_params(self.settlements))
        return {int(message_id) for message_id in rows.scalars()}


def _settle_params(rows: Sequence[Settlement]) -> dict[str, Any]:
    return {
        "ids": [s.message_id for s in rows],
        "claims": [s.claim for s in rows],
        "statuses": [s.status.value for s in rows],
        "reasons": [s.reason for s in rows],
        "errors": [s.error for s in rows],
        "provider_ids": [s.provider_id for s in rows],
        "not_befores": [s.not_before for s in rows],
        "attempts_back": [s.attempts_back for s in rows],
        "recipients": [s.recipient for s in rows],
    }
