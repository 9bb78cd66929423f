"""The clock a render's time limit runs on: the CPU time of the thread rendering, less what
Python's garbage collector spent in that thread. A collection is the runtime's work, not the
template's: a full one over a worker's heap took over 100 ms of CPU, and started in the
middle of a render it failed a one-line subject (for good: a message that does not render
is FAILED). Other threads' work, and waiting for the GIL or the machine, never count."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any


class _Collections(threading.local):
    started: float | None = None
    spent: float = 0.0


_COLLECTIONS = _Collections()


def _count_collection(phase: str, info: dict[str, Any]) -> None:
    # Called by the collector, in the thread whose allocation started the collection.
    if phase == "start":
        _COLLECTIONS.started = time.thread_time()
    elif _COLLECTIONS.started is not None:
        _COLLECTIONS.spent += time.thread_time() - _COLLECTIONS.started
        _COLLECTIONS.started = None


gc.callbacks.append(_count_collection)


def render_cpu_time() -> float:
    """Seconds of this thread's CPU outside garbage collection, from an arbitrary start:
    only differences between two readings in the same thread mean anything."""
    return time.thread_time() - _COLLECTIONS.spent
