"""Work a request hands over to the workers once it has committed: a badge re-sync too
large to finish inside the mutation goes on in the `resync_badge` actor, and a test message
(sendTestMessage) is sent by the `send_message` actor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from domain.badges.services import Handover
from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, Message
from notifications.delivery.sending import deliver
from notifications.proofs import HandOver, captured_at_once
from tessera.channels import close_channels, open_channels
from tessera.settings import Settings


def badge_handover(settings: Settings) -> Handover | None:
    """A Handover that enqueues `resync_badge` on the configured broker once the mutation
    has re-synced customers itself for `settings.badge_resync_inline_s` seconds; None
    without a broker (the mutation then re-syncs every customer itself: nobody else
    would)."""
    if not settings.broker_url:
        return None

    async def send(badge_id: int, generation: int) -> None:
        await asyncio.to_thread(_send_resync, badge_id, generation)

    return Handover(send, inline_s=settings.badge_resync_inline_s)


def _send_resync(badge_id: int, generation: int) -> None:
    # Imported on first use: tessera.actors configures the broker (from TESSERA_BROKER_URL)
    # when imported, and most API processes never hand anything over.
    from tessera import actors

    actors.resync_badge.send(badge_id, generation)


def configured_channels(settings: Settings) -> frozenset[Channel]:
    """The channels that really send (SMTP: email; Twilio: SMS and MMS); the others are the
    sandbox."""
    found: set[Channel] = set()
    if settings.smtp_url is not None:
        found.add(Channel.EMAIL)
    if settings.twilio_account_sid is not None:
        found |= {Channel.SMS, Channel.MMS}
    return frozenset(found)


def message_handover(settings: Settings, new_uow: Callable[[], UnitOfWork]) -> HandOver:
    """How a request hands a queued message over to be sent: a message on a sandboxed
    channel is CAPTURED at once (nothing would leave the machine, so no worker is needed);
    otherwise the `send_message` actor is sent on the configured broker, and without a
    broker the request sends it itself (nobody else would before the recovery sweep)."""
    configured = configured_channels(settings)
    sandbox = captured_at_once(new_uow)

    async def hand_over(message: Message) -> None:
        if message.channel not in configured:
            await sandbox(message)
        elif settings.broker_url:
            await asyncio.to_thread(_send_message, message.id)
        else:
            channels = open_channels(settings)
            try:
                await deliver(new_uow(), message.id, channels)
            finally:
                await close_channels(channels)

    return hand_over


def _send_message(message_id: int) -> None:
    from tessera import actors  # see _send_resync

    actors.send_message.send(message_id)
