"""Handing claimed messages to their channels, several at once: each message becomes the
channel's own message (an email, an SMS or MMS) and the channel answers with an outcome."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from notifications.channels.email import Email
from notifications.channels.outcomes import Outcome
from notifications.channels.sms import TextMessage
from notifications.delivery.models import Channel, Message

# Provider calls in flight at once for one batch: enough to keep a worker's SMTP connections
# and Twilio's HTTP connections busy while each waits for its answer.
SEND_CONCURRENCY = 32

logger = logging.getLogger("tessera.notifications")


class EmailChannel(Protocol):
    async def send(self, message: Email) -> Outcome: ...


class TextChannel(Protocol):
    async def send(self, message: TextMessage) -> Outcome: ...


@dataclass(frozen=True)
class Channels:
    """The configured channels (None: that channel is the sandbox) and the email sender's
    address. A channel may be called concurrently (the email channel of a worker is a pool
    of SMTP connections; Twilio's client shares one HTTP session)."""

    email: EmailChannel | None = None
    text: TextChannel | None = None
    email_from: str = ""

    def configured(self, message: Message) -> bool:
        """Whether the message's channel is configured (else the sandbox keeps it)."""
        return (self.email if message.channel is Channel.EMAIL else self.text) is not None


async def call_providers(
    channels: Channels, handed: Sequence[Message], concurrency: int = SEND_CONCURRENCY
) -> dict[int, Outcome]:
    """Each message sent through its channel, at most `concurrency` at once; the outcome by
    message id. A message whose channel raised (a bug: channels answer the provider's and
    the network's faults with outcomes) is logged and left out: nothing is known of it, so
    it stays handed over and recovery settles it as UNCERTAIN."""
    outcomes: dict[int, Outcome] = {}
    waiting = iter(handed)

    # `concurrency` callers taking the next message as each finishes one (cheaper than a
    # task per message queued on a semaphore).
    async def caller() -> None:
        for message in waiting:
            try:
                outcomes[message.id] = await _send(channels, message)
            except Exception:
                logger.exception("sending message %s failed unexpectedly", message.id)

    await asyncio.gather(*(caller() for _ in range(min(concurrency, len(handed)))))
    return outcomes


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
        TextMessage(message.recipient, str(parts.get("text", "")), media, message.id)
    )
