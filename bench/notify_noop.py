"""The no-op actor whose drain rate bench/notify.py measures beside the sends: one more
module its workers load after `tessera.actors` (whose broker it binds to), so that both run
on the same broker, in the same worker processes, with the same settings."""

from __future__ import annotations

import dramatiq

import tessera.actors  # noqa: F401  (configures the broker before the actor is declared)


@dramatiq.actor(max_retries=0)
def noop() -> None:
    """Nothing: what a message costs Dramatiq, the broker and a worker themselves."""
