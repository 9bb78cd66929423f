"""What the tests that run funnels in real `tessera worker` processes share: the workers'
environment (one message at a time each, nothing leaving the sandbox), and bare customers
with their balance rows, made in SQL by the thousand."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.worker_processes import WorkerStarter, worker_processes
from tests.tessera.test_message_crash_windows import forget_dead_workers


@contextmanager
def funnel_workers(
    actors: ModuleType, database_url: str, broker_url: str, log_dir: Path, **env: str
) -> Iterator[WorkerStarter]:
    """A starter of workers on `database_url` and `broker_url` (and `env`); the broker is
    emptied and the dead workers forgotten afterwards."""
    environment = {**os.environ, "TESSERA_DATABASE_URL": database_url,
                   "TESSERA_BROKER_URL": broker_url, **env}  # fmt: skip
    # One message at a time each (not the two a thread prefetches): the next message goes
    # to another worker.
    environment["dramatiq_queue_prefetch"] = "1"
    for name in ("TESSERA_SMTP_URL", "TESSERA_TWILIO_ACCOUNT_SID", "TESSERA_PUBLIC_URL"):
        environment.pop(name, None)  # the sandbox: nothing leaves
    try:
        with worker_processes(environment, log_dir) as starter:
            yield starter
    finally:
        actors.broker.flush_all()
        forget_dead_workers(broker_url)


async def bare_customers_with_accounts(db: AsyncEngine, count: int, prefix: str) -> None:
    """`count` customers in the default category (external refs `prefix-1`...), each with
    an empty balance row."""
    async with db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO customers (external_ref, first_name, category_id) "
                "SELECT :prefix || '-' || g, 'Customer', (SELECT id FROM point_categories "
                "WHERE is_default) FROM generate_series(1, :n) g"
            ),
            {"n": count, "prefix": prefix},
        )
        await conn.execute(
            text(
                "INSERT INTO point_accounts (customer_id) SELECT c.id FROM customers c "
                "WHERE NOT EXISTS (SELECT 1 FROM point_accounts a WHERE a.customer_id = c.id)"
            )
        )
