"""Sending messages, a batch at a time: claim them, check consent, hand them to their
channels, record what the providers made of them. At most one hand-over per claim, and a
crash leaves a trace:

1. **claim**: each message QUEUED or DEFERRED and due becomes SENDING (attempts + 1),
   committed. A second sender (a redelivered Dramatiq message, another worker, another
   batch holding the same message) finds it claimed and leaves it.
2. **deferral**: in the claim's transaction, marketing messages that frequency caps or
   quiet hours hold back become DEFERRED until their time instead (the `defer` rule, which
   may take locks until the claim commits), their attempt given back.
3. **consent and address**: a customer's message needs their consent to the channel now
   (MMS counts as SMS; one read of the batch's customers); without it the message is
   SUPPRESSED (`NO_CONSENT`). It goes to the customer's address now, not the one they had
   when it was made (it may have waited hours or days): without an email (or phone) now
   it is SUPPRESSED (`NO_ADDRESS`); with another one, it goes to that one, which the log
   records as its recipient (the old number may be someone else's by now).
   No channel configured: the sandbox, CAPTURED (rendered and kept, never sent).
4. **hand-over**: `handed_at` is committed *before* the provider is called. A sender killed
   before this line leaves SENDING without `handed_at`: recovery queues it again. Killed
   after it, the provider may have taken the message: recovery marks it UNCERTAIN and never
   sends it again (at most once in that window; see recovery.py).
5. **outcome**: accepted, SENT with the provider's id; refused for good, FAILED (Twilio's
   21610 also withdraws the customer's SMS consent); failed for now, QUEUED again after an
   exponential backoff with jitter, FAILED after MAX_ATTEMPTS.

Every write after the claim is guarded by the claim's time, so a sender that lost its claim
(recovery re-queued it while it hung) cannot overwrite what a later one recorded. A batch
costs the same few statements however many messages it holds (claims.py): the claim (with
its deferrals), the consent read, one statement for the suppressions, captures and
hand-overs, and one for the outcomes; the provider calls in between run concurrently
(provider_calls.py)."""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select

from domain.commands import Command, run
from domain.customers.consent import change_consent_by_phone
from domain.customers.models import ConsentChannel, ConsentSource
from domain.customers.repository import customers_by_id
from domain.uow import UnitOfWork
from notifications.channels.outcomes import Accepted, Outcome, Permanent, Transient
from notifications.delivery.claims import (
    ClaimBatch,
    Defer,
    Deferral,
    HandOverBatch,
    Settle,
    Settlement,
    finished,
    handed_over,
    requeued,
)
from notifications.delivery.models import Message, Status, message_from
from notifications.delivery.provider_calls import SEND_CONCURRENCY, Channels, call_providers
from notifications.delivery.tables import messages
from notifications.dispatch.composing import consents_of, consents_to, recipient

logger = logging.getLogger("tessera.notifications")

__all__ = [
    "Channels",
    "Defer",
    "Deferral",
    "Delivery",
    "deliver",
    "deliver_batch",
    "due_again",
]

MAX_ATTEMPTS = 8
FIRST_BACKOFF_S = 10.0
MAX_BACKOFF_S = 3600.0


@dataclass(frozen=True)
class Delivery:
    """What one attempt did to a message: its status after it, and when it is next due (a
    transient failure's retry, a deferral's end)."""

    status: Status | None  # None: not claimed (gone, already claimed, or not due)
    retry_at: datetime | None = None


def backoff_s(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before attempt `attempt + 1`: 10 s doubling each attempt up to an hour, of
    which a random half to whole (jitter: retries of many messages spread out)."""
    ceiling = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** max(attempt - 1, 0))
    return ceiling * (rng or random).uniform(0.5, 1.0)


async def deliver(uow: UnitOfWork, message_id: int, channels: Channels) -> Delivery:
    """One attempt at sending the message: a batch of one (see deliver_batch)."""
    return (await deliver_batch(uow, [message_id], channels))[message_id]


async def deliver_batch(
    uow: UnitOfWork,
    message_ids: Sequence[int],
    channels: Channels,
    *,
    defer: Defer | None = None,
    concurrency: int = SEND_CONCURRENCY,
) -> dict[int, Delivery]:
    """One attempt at sending each message (see the module's docstring), the provider calls
    `concurrency` at a time, `defer` deciding the deferrals (default: ClaimBatch's rule);
    what became of each id asked for. Safe to call again and
    concurrently, with overlapping batches: only the sender holding a message's claim
    sends it."""
    result = {message_id: Delivery(None) for message_id in message_ids}
    # Frequency caps and quiet hours hold marketing messages back here, in the claim (its
    # `defer` rule, ClaimBatch's unless given): those come back DEFERRED, to be sent again
    # at their time.
    claim = ClaimBatch(message_ids) if defer is None else ClaimBatch(message_ids, defer)
    claimed = await run(uow, claim)
    for message in claimed:
        if message.status is Status.DEFERRED:
            result[message.id] = Delivery(Status.DEFERRED, message.not_before)
    sending = [m for m in claimed if m.status is Status.SENDING]
    if not sending:
        return result
    settled, to_send = await _before_sending(uow, sending, channels)
    recorded = await run(uow, HandOverBatch([*settled.values(), *map(handed_over, to_send)]))
    for message_id, settlement in settled.items():
        if message_id in recorded:
            result[message_id] = Delivery(settlement.status, settlement.not_before)
    handed = [m for m in to_send if m.id in recorded]  # the others' claims were lost
    outcomes = await call_providers(channels, handed, concurrency)
    result.update(await _record(uow, handed, outcomes))
    return result


async def _before_sending(
    uow: UnitOfWork, left: Sequence[Message], channels: Channels
) -> tuple[dict[int, Settlement], list[Message]]:
    """The messages settled without a provider call (without consent or an address now,
    captured by the sandbox), and those to send, each to its customer's address now."""
    settled: dict[int, Settlement] = {}
    wanted = sorted({m.customer_id for m in left if m.customer_id is not None})
    async with uow:
        customers = await customers_by_id(uow, wanted) if wanted else {}
    to_send: list[Message] = []
    for message in left:
        if message.customer_id is not None:
            customer = customers.get(message.customer_id)
            consents = None if customer is None else consents_of(customer)
            if customer is None or not consents_to(consents, message.channel):
                settled[message.id] = finished(message, Status.SUPPRESSED, "NO_CONSENT")
                continue
            address = recipient(customer, message.channel)
            if address is None:
                settled[message.id] = finished(message, Status.SUPPRESSED, "NO_ADDRESS")
                continue
            message = replace(message, recipient=address)
        if not channels.configured(message):
            settled[message.id] = finished(message, Status.CAPTURED, "SANDBOX")
            continue
        to_send.append(message)
    return settled, to_send


async def _record(
    uow: UnitOfWork, handed: Sequence[Message], outcomes: dict[int, Outcome]
) -> dict[int, Delivery]:
    """The outcomes recorded in one statement (each under its claim), then the SMS consents
    the providers reported withdrawn (of every customer with the number)."""
    settlements = [
        _settlement(message, outcomes[message.id]) for message in handed if message.id in outcomes
    ]
    recorded = await run(uow, Settle(settlements))
    for message in handed:
        outcome = outcomes.get(message.id)
        if isinstance(outcome, Permanent) and outcome.consent_withdrawn and message.customer_id:
            # The number replied STOP to the sender: as a STOP keyword does, for everyone
            # with that number (a family may share one), not only the message's customer.
            await change_consent_by_phone(
                uow,
                message.recipient,
                ConsentChannel.SMS,
                False,
                ConsentSource.STOP_KEYWORD,
                f"twilio:{outcome.code}",
            )
    return {
        s.message_id: Delivery(s.status, s.not_before)
        if s.message_id in recorded
        else Delivery(None)
        for s in settlements
    }


def due_again(
    deliveries: Mapping[int, Delivery], now: datetime, batch: int
) -> list[tuple[int, list[int]]]:
    """The messages to send again (a retry, the end of a deferral) as (delay in ms, ids):
    those due in the same second go together at the end of that second (never before they
    are due: the claim would skip them), at most `batch` ids together."""
    by_second: dict[int, list[int]] = {}
    for message_id, delivery in sorted(deliveries.items()):
        if delivery.retry_at is not None:
            wait_s = (delivery.retry_at - now).total_seconds()
            by_second.setdefault(max(0, math.ceil(wait_s)), []).append(message_id)
    return [
        (second * 1000, ids[i : i + batch])
        for second, ids in sorted(by_second.items())
        for i in range(0, len(ids), batch)
    ]


def _settlement(message: Message, outcome: Outcome) -> Settlement:
    if isinstance(outcome, Accepted):
        return finished(message, Status.SENT, provider_id=outcome.provider_id)
    if isinstance(outcome, Permanent):
        return finished(message, Status.FAILED, outcome.code, outcome.reason)
    assert isinstance(outcome, Transient)
    if message.attempts >= MAX_ATTEMPTS:
        return finished(message, Status.FAILED, "ATTEMPTS", outcome.reason)
    wait_s = max(backoff_s(message.attempts), outcome.retry_after_s or 0.0)
    return requeued(message, datetime.now(UTC) + timedelta(seconds=wait_s), outcome.reason)


@dataclass(frozen=True)
class Claim(Command["Message | None"]):
    """One message claimed (a batch of one, under ClaimBatch's deferral rule): the message
    (DEFERRED when the rule held it back), or None when not claimed."""

    message_id: int

    async def handle(self, uow: UnitOfWork) -> Message | None:
        claimed = await ClaimBatch([self.message_id]).handle(uow)
        return claimed[0] if claimed else None


@dataclass(frozen=True)
class HandOver(Command[bool]):
    """Record that the provider is about to be called; False when the claim was lost."""

    message_id: int
    claim: datetime

    async def handle(self, uow: UnitOfWork) -> bool:
        settlement = Settlement(self.message_id, self.claim, Status.SENDING)
        return self.message_id in await HandOverBatch([settlement]).handle(uow)


async def stale_due_messages(uow: UnitOfWork, idle_s: float, limit: int = 10_000) -> list[int]:
    """Messages due to be sent (QUEUED or DEFERRED, past `not_before`) that nothing has
    touched for `idle_s` seconds: their send was lost (a broker emptied, a delayed message
    dropped), so a sweep sends them again (a duplicate send request is harmless: the claim
    lets one through)."""
    async with uow:
        query = (
            select(messages.c.id)
            .where(
                messages.c.status.in_([Status.QUEUED.value, Status.DEFERRED.value]),
                or_(messages.c.not_before.is_(None), messages.c.not_before <= func.now()),
                messages.c.updated_at < func.now() - timedelta(seconds=idle_s),
            )
            .order_by(messages.c.id)
            .limit(limit)
        )
        return [int(i) for i in (await uow.execute(query)).scalars()]


async def get_message(uow: UnitOfWork, message_id: int) -> Message | None:
    """The message as the log has it now."""
    async with uow:
        row = (await uow.execute(select(messages).where(messages.c.id == message_id))).one_or_none()
    return None if row is None else message_from(row)
