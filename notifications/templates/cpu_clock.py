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

# A render's starting reading may be this old (on the monotonic clock): see render_cpu_start.
_REUSED_FOR_S = 0.001


class _Reading(threading.local):
    at: float = float("-inf")  # time.monotonic() when it was taken
    cpu: float = 0.0  # render_cpu_time() then


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


_LAST = _Reading()


def render_cpu_start() -> float:
    """render_cpu_time() for a render starting now, reusing this thread's last reading when
    it is under a millisecond old: reading a thread's CPU clock is a system call (about
    30 microseconds on a virtual machine, as long as a short SMS's whole render), and a
    batch renders thousands of messages a second. A reused reading is older, so the render
    is charged at most that millisecond more: the limit errs by 1% on the strict side."""
    now = time.monotonic()
    if now - _LAST.at > _REUSED_FOR_S:
        _LAST.cpu, _LAST.at = render_cpu_time(), now
    return _LAST.cpu
