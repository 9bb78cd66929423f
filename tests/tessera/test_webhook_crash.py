"""Given customers' events for a subscription on a loopback receiver, when a real `tessera
worker` sending them is killed with SIGKILL while the receiver holds one of its requests,
and another worker is started, then every event reaches the receiver at least once, each
customer's in order, and deduplicating by `webhook-id` leaves exactly the events recorded:
the killed worker's delivery was sent again once its lease ran out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.funnel_workers import db, funnel_workers, scalar, workers_db
from tests.support.webhook_receiver import Receiver, receiving
from tests.support.worker_processes import WorkerStarter
from tests.tessera.test_worker import actors
from tests.webhooks.support import (
    customers_with_movements,
    dispatch_all,
    expected_per_customer,
    subscribe,
)

__all__ = ["actors", "db", "workers_db"]  # the fixtures, used by name

WAIT_S = 60.0
RUN_FOR_S = 30.0
# A short request timeout: the killed worker's lease (timeout + 5 s) runs out soon.
WORKER_ENV = {
    "TESSERA_WEBHOOKS_ALLOW_NETWORKS": "127.0.0.0/8",
    "TESSERA_WEBHOOKS_TIMEOUT_S": "2",
    "TESSERA_WEBHOOKS_RETRY_SCHEDULE_S": "0.2",
}


@pytest.fixture
def workers(
    actors: ModuleType, workers_db: str, broker_url: str, tmp_path: Path
) -> Iterator[WorkerStarter]:
    with funnel_workers(actors, workers_db, broker_url, tmp_path, **WORKER_ENV) as starter:
        yield starter


async def wait_until(what: str, check: Callable[[], bool]) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not within {WAIT_S} s: {what}")
        await asyncio.sleep(0.05)


async def test_a_worker_killed_mid_delivery_loses_nothing_and_keeps_the_order(
    actors: ModuleType, db: AsyncEngine, workers: WorkerStarter
) -> None:
    hold = asyncio.Event()
    receiver = Receiver(hold=hold)
    async with receiving(receiver) as url:
        receiver.secret = (await subscribe(db, url, key="crash-sub")).secret
        await customers_with_movements(db, 3, 3)
        await dispatch_all(db)
        expected = await expected_per_customer(db)
        total = sum(len(ids) for ids in expected.values())
        # Given a worker whose first request the receiver holds
        first = workers.start()
        actors.send_webhooks.send(RUN_FOR_S)
        await wait_until("a request held by the receiver", receiver.held.is_set)
        # When it is killed there (kill -9), the receiver lets go, and another worker runs
        first.kill()
        hold.set()
        second = workers.start()
        actors.send_webhooks.send(RUN_FOR_S)
        await wait_until("every event accepted", lambda: len(receiver.unique()) >= total)
    # Then each customer's events arrived in order, each at least once, none forged
    assert receiver.forged == 0
    assert receiver.per_customer() == expected, second.log()
    assert len(receiver.unique()) == total == 12
    # the requests the killed worker had under way were accepted when let go, and sent
    # again by the second worker after the lease: a receiver sees them twice
    held_ids = {r.webhook_id for r in receiver.accepted()[:1]}
    twice = [r.webhook_id for r in receiver.accepted() if r.webhook_id in held_ids]
    assert len(twice) == 2, second.log()
    pending = "SELECT count(*) FROM webhook_deliveries WHERE status <> 'DELIVERED'"
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while await scalar(db, pending):
        assert asyncio.get_running_loop().time() < deadline, second.log()
        await asyncio.sleep(0.1)
    second.kill()
