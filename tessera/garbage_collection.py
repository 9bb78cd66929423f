"""Python's garbage collector tuned for a long-running service process (the API's workers,
the Dramatiq workers): the objects built at start-up (modules, the schema, the actors) are
kept out of every collection, and the young generation is collected less often. A full
collection over start-up's objects cost 60 ms of CPU in a worker; taken in the middle of a
request it was tail latency, in the middle of a render a template's time."""

from __future__ import annotations

import gc

import dramatiq


def tune_for_service() -> None:
    """Call once the process has built what it keeps (after start-up's imports)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


class TunedGarbageCollector(dramatiq.Middleware):
    """`tune_for_service` in each worker process Dramatiq's command line starts, once it
    has imported the actors (not in a process that runs a worker of its own, a test's)."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        tune_for_service()
