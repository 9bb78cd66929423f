"""Given a marketing message held back by a frequency cap, when a real Dramatiq worker runs
`send_message`, then the actor defers it and sends itself again, delayed until the
message's time, and the message is sent then (no sweep needed)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType

import dramatiq
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, Status
from notifications.delivery.sending import get_message
from notifications.fatigue.models import LimitChannel, PeriodUnit
from tests.notifications.fatigue.support import cap, customer, limits, queued, set_row
from tests.tessera.test_worker import actors

__all__ = ["actors"]  # the fixture, used by name

DELAY_S = 3


def _run_worker_until(module: ModuleType, done: Callable[[], bool], timeout_s: float) -> None:
    """A worker runs until `done()` is true (polled with a deadline) and is stopped."""
    worker = dramatiq.Worker(module.broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        deadline = time.monotonic() + timeout_s
        while not done() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()


async def test_a_deferred_message_is_sent_by_the_worker_when_its_time_comes(
    actors: ModuleType, clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TESSERA_SMTP_URL", raising=False)  # the sandbox captures
    # Given at most 1 email an hour, and one captured just under an hour ago
    await limits(clean_db, channels=(cap(LimitChannel.EMAIL, 1, 1, PeriodUnit.HOURS),))
    ann = await customer(clean_db, "ann")
    earlier = await queued(clean_db, ann, "earlier", Channel.EMAIL)
    almost_an_hour_ago = datetime.now(UTC) - timedelta(hours=1) + timedelta(seconds=DELAY_S)
    await set_row(clean_db, earlier, status=Status.CAPTURED, claimed_at=almost_an_hour_ago)
    promo = await queued(clean_db, ann, "promo", Channel.EMAIL)
    # When the worker is asked to send the next one
    actors.send_message.send(promo)
    loop = asyncio.get_running_loop()

    def captured() -> bool:
        found = asyncio.run_coroutine_threadsafe(get_message(UnitOfWork(clean_db), promo), loop)
        message = found.result()
        return message is not None and message.status is Status.CAPTURED

    await asyncio.to_thread(_run_worker_until, actors, captured, 30)
    # Then it was deferred for the cap, then sent (captured) once the hour had passed
    sent = await get_message(UnitOfWork(clean_db), promo)
    assert sent is not None and sent.status is Status.CAPTURED
    assert sent.not_before == almost_an_hour_ago + timedelta(hours=1)
    assert sent.claimed_at is not None and sent.claimed_at >= sent.not_before
    assert sent.attempts == 1  # the deferral was not an attempt
