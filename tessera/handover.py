"""Work a request hands over to the workers once it has committed: a badge re-sync too
large to finish inside the mutation goes on in the `resync_badge` actor."""

from __future__ import annotations

import asyncio

from domain.badges.services import Handover
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
