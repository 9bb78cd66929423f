"""Work a request hands over to the workers once it has committed: a badge re-sync too
large to finish inside the mutation goes on in the `resync_badge` actor, a test message
(sendTestMessage) is sent by the `send_message` actor, and an import job (startImport) is
run by the `run_import_job` actor."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from domain.badges.services import Handover
from domain.imports.running import run_job
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


logger = logging.getLogger(__name__)
# The import jobs this process runs itself (no broker), kept until they end.
_RUNNING: set[asyncio.Task[None]] = set()


def import_handover(
    settings: Settings, new_uow: Callable[[], UnitOfWork]
) -> Callable[[int], Awaitable[None]]:
    """How startImport hands a QUEUED job over once committed: the `run_import_job` actor
    on the configured broker; without a broker (the demo, a single process), a task of this
    process runs it (nobody else would)."""

    async def hand_over(job_id: int) -> None:
        if settings.broker_url:
            await asyncio.to_thread(_send_import, job_id)
            return
        task = asyncio.create_task(_run_here(new_uow, job_id))
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)

    return hand_over


async def _run_here(new_uow: Callable[[], UnitOfWork], job_id: int) -> None:
    try:
        await run_job(new_uow(), job_id)
    except Exception:  # a task's failure has no caller to tell; the job stays unfinished
        logger.exception("import job %s failed in this process", job_id)


def _send_import(job_id: int) -> None:
    from tessera import actors  # see _send_resync

    actors.run_import_job.send(job_id)
