"""The dispatcher wired from the settings: the reactions that make messages (and webhook
deliveries) from events (one place to add one), the polling loop the `dispatch_events`
actor runs, the webhooks' sender settings, and the in-process loop of the demo (no worker:
dispatch and send every second)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from domain.webhooks.deliveries import unpark
from funnels.engine.running import one_pass
from notifications.builtins.reaction import BuiltInNotifications
from notifications.delivery.sending import deliver_batch, stale_due_messages
from notifications.dispatch.dispatcher import DEFAULT_BATCH, dispatch_pending
from notifications.dispatch.reactions import Reaction
from notifications.notices.reaction import Notices
from tessera.channels import close_channels, open_channels
from tessera.funnel_engine import VERSIONS, audience, funnel_reaction, runtime
from tessera.settings import Settings
from tessera.shop import shop_of
from webhooks.reaction import Webhooks
from webhooks.sending import SenderConfig, new_client, send_due

logger = logging.getLogger("tessera.notifications")

# How long one `dispatch_events` run polls before it returns (the scheduler sends the next
# every minute), and how long it sleeps when no event is pending.
RUN_FOR_S = 50.0
IDLE_SLEEP_S = 0.5
# Messages the demo's loop sends together.
SEND_BATCH = 200


def reactions(settings: Settings) -> list[Reaction]:
    """Everything the domain's events feed: the built-in notifications to customers, the
    internal notices to staff, and the funnel engine (entries, exits, waits for an event,
    goals; it makes no message itself) and the outbound webhooks (their deliveries)."""
    return [BuiltInNotifications(shop_of(settings)), Notices(), funnel_reaction(), Webhooks()]


def webhook_sender(settings: Settings) -> SenderConfig:
    """Where webhooks may go, their retries and disabling, and each request's timeout."""
    return SenderConfig(
        settings.webhook_targets(), settings.webhook_limits(), settings.webhooks_timeout_s
    )


async def drain_events(
    engine: AsyncEngine,
    wanted: list[Reaction],
    send: Callable[[list[int]], None],
    run_for_s: float = RUN_FOR_S,
    idle_sleep_s: float = IDLE_SLEEP_S,
    batch: int = DEFAULT_BATCH,
) -> int:
    """Dispatch batch after batch, handing each batch's new messages to `send` once it is
    committed; when no event is pending, sleep `idle_sleep_s` and look again, until
    `run_for_s` has passed. Returns how many events it took. A failing `send` is logged
    and passed over: its messages are QUEUED and the delivery's stale sweep
    (recover_messages) sends them within a few minutes."""
    deadline = time.monotonic() + run_for_s
    taken = 0
    while True:
        done = await dispatch_pending(UnitOfWork(engine), wanted, batch)
        taken += done.events
        if done.message_ids:
            try:
                send(done.message_ids)
            except Exception:  # the broker is down: the sweep sends them later
                logger.warning(
                    "could not request the sending of %d message(s); the stale sweep will",
                    len(done.message_ids),
                    exc_info=True,
                )
        if time.monotonic() >= deadline:
            return taken
        if done.events < batch:
            await asyncio.sleep(idle_sleep_s)


async def dispatch_and_send_once(engine: AsyncEngine, settings: Settings) -> int:
    """One pass of the demo's loop, in this process: dispatch every pending event, run the
    funnels once (tessera/funnel_engine.py), then send every message due (with no channel
    configured: CAPTURED) and a batch of due webhook deliveries. Returns how many messages
    it tried to send."""
    wanted = reactions(settings)
    while (await dispatch_pending(UnitOfWork(engine), wanted)).events:
        pass
    # The funnels' messages are QUEUED, due now: the sending below takes them.
    await one_pass(engine, VERSIONS, runtime(settings), audience, lambda ids: None)
    due = await stale_due_messages(UnitOfWork(engine), idle_s=0.0)
    channels = open_channels(settings)
    try:
        for start in range(0, len(due), SEND_BATCH):
            await deliver_batch(UnitOfWork(engine), due[start : start + SEND_BATCH], channels)
    finally:
        await close_channels(channels)
    sender = webhook_sender(settings)
    await unpark(UnitOfWork(engine))
    async with new_client(sender) as client:
        await send_due(engine, sender, client)  # a batch of due webhook deliveries
    return len(due)


async def dispatch_and_send_forever(
    engine: AsyncEngine, settings: Settings, every_s: float = 1.0
) -> None:
    """The demo's background task: `dispatch_and_send_once` every `every_s` seconds until
    cancelled; a failed pass is logged and the next one tries again."""
    while True:
        try:
            await dispatch_and_send_once(engine, settings)
        except Exception:
            logger.exception("the demo's dispatch and send failed; trying again")
        await asyncio.sleep(every_s)
