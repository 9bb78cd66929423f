"""What a worker process keeps for its async actors between messages: one database engine
(its pool of connections) and the open channels (the SMTP connections, Twilio's HTTP
session), so that a message costs no connection set-up.

Dramatiq's AsyncIO middleware runs every async actor of a worker process on one event loop
of its own; the resources are opened on that loop when an actor first asks for them, from
the settings of that moment, and closed on it when the worker shuts down, after its
threads have finished their messages. A worker started again (a test's) opens them anew.
Sync actors are untouched: they run their own loop per call (tessera/database.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from sqlalchemy.ext.asyncio import AsyncEngine

from notifications.delivery.sending import Channels
from tessera.channels import close_channels, open_channels
from tessera.database import create_engine
from tessera.embedded import ensure_database_url
from tessera.settings import Settings

# Database connections a worker process keeps: one for each message being worked on (the
# worker's threads), each batch using one at a time.
POOL_SIZE = 4

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resources:
    engine: AsyncEngine
    channels: Channels


class KeptResources(dramatiq.Middleware):
    """The worker process's resources (see the module's docstring). Add it to the broker
    after the AsyncIO middleware: Dramatiq calls `after_worker_shutdown` in the reverse
    order of the middleware, so these close before the event loop stops."""

    def __init__(self, settings: Callable[[], Settings] = Settings.from_env) -> None:
        self._settings = settings
        self._resources: Resources | None = None

    async def resources(self) -> Resources:
        """The open resources, opened now if they are not (call it on the worker's loop)."""
        if self._resources is None:
            # Nothing awaits between the check and the assignment: two actors starting at
            # once on the loop open one set.
            settings = self._settings()
            self._resources = Resources(
                engine=create_engine(ensure_database_url(settings), pool_size=POOL_SIZE),
                channels=open_channels(settings),
            )
        return self._resources

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = get_event_loop_thread()
        if self._resources is None or loop_thread is None:
            return
        loop_thread.run_coroutine(self.close())

    async def close(self) -> None:
        """Close the channels (SMTP's QUIT) and the engine's connections."""
        resources, self._resources = self._resources, None
        if resources is None:
            return
        try:
            await close_channels(resources.channels)
        finally:
            await resources.engine.dispose()
