"""Sending one message: claim it, check consent, hand it to its channel, record what the
provider made of it. At most one hand-over per claim, and a crash leaves a trace:

1. **claim**: QUEUED or DEFERRED and due, it becomes SENDING (attempts + 1), committed. A
   second sender (a redelivered Dramatiq message, another worker) finds it claimed and stops.
   A MARKETING message in the customer's quiet hours or at their cap on the channel becomes
   DEFERRED instead, to its next allowed time (notifications/fatigue), and is sent again then.
2. **consent**: a customer's message needs their consent to the channel now (MMS counts as
   SMS); without it the message is SUPPRESSED (`NO_CONSENT`). No channel configured: the
   sandbox, CAPTURED (rendered and kept, never sent).
3. **hand-over**: `handed_at` is committed *before* the provider is called. A sender killed
   before this line leaves SENDING without `handed_at`: recovery queues it again. Killed
   after it, the provider may have taken the message: recovery marks it UNCERTAIN and never
   sends it again (at most once in that window; see recovery.py).
4. **outcome**: accepted, SENT with the provider's id; refused for good, FAILED (Twilio's
   21610 also withdraws the customer's SMS consent); failed for now, QUEUED again after an
   exponential backoff with jitter, FAILED after MAX_ATTEMPTS.

Every write after the claim is guarded by the claim's time, so a sender that lost its claim
(recovery re-queued it while it hung) cannot overwrite what a later one recorded."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, or_, select, update

from domain.commands import Command, run
from domain.customers.consent import change_consent, current_consent
from domain.customers.models import ConsentChannel, ConsentSource
from domain.uow import UnitOfWork
from notifications.channels.email import Email
from notifications.channels.outcomes import Accepted, Outcome, Permanent, Transient
from notifications.channels.sms import TextMessage
from notifications.delivery.deferring import defer_claimed
from notifications.delivery.models import Channel, Message, Status, message_from
from notifications.delivery.tables import messages
from notifications.fatigue.enforcement import deferrals

MAX_ATTEMPTS = 8
FIRST_BACKOFF_S = 10.0
MAX_BACKOFF_S = 3600.0


class EmailChannel(Protocol):
    async def send(self, message: Email) -> Outcome: ...


class TextChannel(Protocol):
    async def send(self, message: TextMessage) -> Outcome: ...


@dataclass(frozen=True)
class Channels:
    """The configured channels (None: that channel is the sandbox) and the email sender's
    address."""

    email: EmailChannel | None = None
    text: TextChannel | None = None
    email_from: str = ""


@dataclass(frozen=True)
class Delivery:
    """What one attempt did: the message's status after it, and when to try again (a
    transient failure, or a deferral by quiet hours or a cap)."""

    status: Status | None  # None: not claimed (gone, already claimed, or not due)
    retry_at: datetime | None = None


def backoff_s(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before attempt `attempt + 1`: 10 s doubling each attempt up to an hour, of
    which a random half to whole (jitter: retries of many messages spread out)."""
    ceiling = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** max(attempt - 1, 0))
    return ceiling * (rng or random).uniform(0.5, 1.0)


async def deliver(uow: UnitOfWork, message_id: int, channels: Channels) -> Delivery:
    """One attempt at sending the message (see the module's docstring). Safe to call again
    and concurrently: only the sender holding the claim sends."""
    message = await run(uow, Claim(message_id))
    if message is None:
        return Delivery(None)
    if message.status is Status.DEFERRED:  # quiet hours or a cap: sent again at its time
        return Delivery(Status.DEFERRED, message.not_before)
    claim = message.claimed_at
    assert claim is not None
    if message.customer_id is not None and not await _consents(uow, message):
        await run(uow, Finish(message.id, claim, Status.SUPPRESSED, reason="NO_CONSENT"))
        return Delivery(Status.SUPPRESSED)
    if (channels.email if message.channel is Channel.EMAIL else channels.text) is None:
        await run(uow, Finish(message.id, claim, Status.CAPTURED, reason="SANDBOX"))
        return Delivery(Status.CAPTURED)
    if not await run(uow, HandOver(message.id, claim)):
        return Delivery(None)  # the claim was lost meanwhile
    outcome = await _send(channels, message)
    return await _record(uow, message, claim, outcome)


async def _consents(uow: UnitOfWork, message: Message) -> bool:
    assert message.customer_id is not None
    consent = await current_consent(uow, message.customer_id)
    wanted = ConsentChannel.EMAIL if message.channel is Channel.EMAIL else ConsentChannel.SMS
    return bool(consent and consent[wanted])


async def _send(channels: Channels, message: Message) -> Outcome:
    parts = message.content
    if message.channel is Channel.EMAIL:
        assert channels.email is not None
        email = Email(
            to=message.recipient,
            sender=channels.email_from,
            subject=str(parts.get("subject", "")),
            text=str(parts.get("text", "")),
            html=parts.get("html"),
            unsubscribe_url=parts.get("unsubscribeUrl"),
        )
        return await channels.email.send(email)
    assert channels.text is not None
    media = list(parts.get("mediaUrls", [])) if message.channel is Channel.MMS else []
    return await channels.text.send(
        TextMessage(message.recipient, str(parts.get("text", "")), media)
    )


async def _record(uow: UnitOfWork, message: Message, claim: datetime, outcome: Outcome) -> Delivery:
    if isinstance(outcome, Accepted):
        await run(uow, Finish(message.id, claim, Status.SENT, provider_id=outcome.provider_id))
        return Delivery(Status.SENT)
    if isinstance(outcome, Permanent):
        await run(
            uow, Finish(message.id, claim, Status.FAILED, reason=outcome.code, error=outcome.reason)
        )
        if outcome.consent_withdrawn and message.customer_id is not None:
            await change_consent(
                uow,
                message.customer_id,
                ConsentChannel.SMS,
                False,
                ConsentSource.STOP_KEYWORD,
                f"twilio:{outcome.code}",
            )
        return Delivery(Status.FAILED)
    assert isinstance(outcome, Transient)
    if message.attempts >= MAX_ATTEMPTS:
        await run(
            uow,
            Finish(message.id, claim, Status.FAILED, reason="ATTEMPTS", error=outcome.reason),
        )
        return Delivery(Status.FAILED)
    wait_s = max(backoff_s(message.attempts), outcome.retry_after_s or 0.0)
    retry_at = datetime.now(UTC) + timedelta(seconds=wait_s)
    await run(uow, Requeue(message.id, claim, retry_at, outcome.reason))
    return Delivery(Status.QUEUED, retry_at)


@dataclass(frozen=True)
class Claim(Command["Message | None"]):
    """QUEUED or DEFERRED and due becomes SENDING, with a new claim time; None otherwise. A
    marketing message held back by quiet hours or a cap becomes DEFERRED instead, in the
    same transaction (notifications/fatigue/enforcement.py)."""

    message_id: int

    async def handle(self, uow: UnitOfWork) -> Message | None:
        row = (
            await uow.execute(
                update(messages)
                .where(
                    messages.c.id == self.message_id,
                    messages.c.status.in_([Status.QUEUED.value, Status.DEFERRED.value]),
                    or_(messages.c.not_before.is_(None), messages.c.not_before <= func.now()),
                )
                .values(
                    status=Status.SENDING.value,
                    attempts=messages.c.attempts + 1,
                    claimed_at=func.clock_timestamp(),
                    handed_at=None,
                    updated_at=func.now(),
                )
                .returning(messages)
            )
        ).one_or_none()
        if row is None:
            return None
        claimed = message_from(row)
        held = await deferrals(uow, [claimed], row.claimed_at)
        return (await defer_claimed(uow, [claimed], held))[0] if held else claimed


@dataclass(frozen=True)
class HandOver(Command[bool]):
    """Record that the provider is about to be called; False when the claim was lost."""

    message_id: int
    claim: datetime

    async def handle(self, uow: UnitOfWork) -> bool:
        statement = _claimed(self.message_id, self.claim).values(
            handed_at=func.clock_timestamp(), updated_at=func.now()
        )
        return await _changed(uow, statement)


@dataclass(frozen=True)
class Finish(Command[bool]):
    """The claimed message's final status (SENT, FAILED, SUPPRESSED, CAPTURED)."""

    message_id: int
    claim: datetime
    status: Status
    reason: str | None = None
    error: str | None = None
    provider_id: str | None = None

    async def handle(self, uow: UnitOfWork) -> bool:
        values: dict[str, Any] = {
            "status": self.status.value,
            "status_reason": self.reason,
            "updated_at": func.now(),
        }
        if self.error is not None:
            values["last_error"] = self.error
        if self.provider_id is not None:
            values["provider_id"] = self.provider_id
            values["sent_at"] = func.now()
        return await _changed(uow, _claimed(self.message_id, self.claim).values(**values))


@dataclass(frozen=True)
class Requeue(Command[bool]):
    """A transient failure: QUEUED again, not before `retry_at`."""

    message_id: int
    claim: datetime
    retry_at: datetime
    error: str

    async def handle(self, uow: UnitOfWork) -> bool:
        statement = _claimed(self.message_id, self.claim).values(
            status=Status.QUEUED.value,
            not_before=self.retry_at,
            last_error=self.error,
            handed_at=None,
            updated_at=func.now(),
        )
        return await _changed(uow, statement)


async def _changed(uow: UnitOfWork, statement: Any) -> bool:
    """Whether the guarded update found the message still under this claim."""
    return (await uow.execute(statement.returning(messages.c.id))).first() is not None


def _claimed(message_id: int, claim: datetime) -> Any:
    return update(messages).where(
        messages.c.id == message_id,
        messages.c.status == Status.SENDING.value,
        messages.c.claimed_at == claim,
    )


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
