"""The test session's Dramatiq broker: a configured one, the local Redis, or an embedded one."""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Callable
from pathlib import Path

from tessera.embedded import ensure_broker_url, stop_embedded_redis
from tessera.settings import Settings

# A database number of its own, so flushing it cannot touch a developer's data in db 0.
LOCAL_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def _flush_local_test_db() -> bool:
    """FLUSHDB on the local Redis' test database; False when no Redis answers."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"SELECT 15\r\nFLUSHDB\r\n")
            replies = b""
            while replies.count(b"\r\n") < 2:
                chunk = sock.recv(64)
                if not chunk:
                    return False
                replies += chunk
            return replies == b"+OK\r\n+OK\r\n"
    except OSError:
        return False


def find_broker(scratch_dir: Path) -> tuple[str, Callable[[], None]]:
    """A broker URL for the session and how to stop it: TESSERA_TEST_BROKER_URL, the local
    Redis (db 15, flushed), else an embedded Redis in `scratch_dir`."""
    if url := os.environ.get("TESSERA_TEST_BROKER_URL"):
        return url, lambda: None
    if _flush_local_test_db():
        return LOCAL_TEST_REDIS_URL, _flush_after_session
    settings = dataclasses.replace(Settings.from_env(), broker_url=None, data_dir=scratch_dir)
    url = ensure_broker_url(settings)
    return url, lambda: stop_embedded_redis(scratch_dir)


def _flush_after_session() -> None:
    _flush_local_test_db()
