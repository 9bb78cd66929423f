"""What the webhook tests share: a subscription on a loopback receiver, customers whose
points move, the dispatcher's batches, and the sender's passes until a condition holds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.ledger.services import adjust_points
from domain.uow import UnitOfWork
from domain.webhooks.deliveries import Limits
from domain.webhooks.events import WEBHOOK_TYPES
from domain.webhooks.models import Subscription, SubscriptionSpec
from domain.webhooks.retries import RetryPolicy
from domain.webhooks.subscriptions import create_subscription
from domain.webhooks.targets import TargetPolicy, parse_networks
from notifications.dispatch.dispatcher import dispatch_pending
from notifications.dispatch.reactions import Reaction
from webhooks.reaction import Webhooks
from webhooks.sending import SenderConfig, new_client, send_due

LOOPBACK = TargetPolicy(parse_networks("127.0.0.0/8"))
TYPES = ("CUSTOMER_REGISTERED", "POINTS_EARNED", "POINTS_SPENT")
WAIT_S = 30.0


def config(
    schedule_s: tuple[float, ...] = (0.05,),
    window_s: float = 3600.0,
    disable_after: int = 1000,
    timeout_s: float = 5.0,
    policy: TargetPolicy = LOOPBACK,
) -> SenderConfig:
    return SenderConfig(policy, Limits(RetryPolicy(schedule_s, window_s), disable_after), timeout_s)


async def subscribe(
    engine: AsyncEngine, url: str, key: str = "sub-1", types: tuple[str, ...] = TYPES
) -> Subscription:
    spec = SubscriptionSpec(url, types)
    return (await create_subscription(UnitOfWork(engine), spec, key, LOOPBACK)).item


async def customers_with_movements(engine: AsyncEngine, count: int, moves: int) -> list[int]:
    """`count` customers, each registered then credited `moves` times (1, 2, ... points),
    interleaved between customers."""
    ids = []
    for i in range(count):
        created = await create_customer(UnitOfWork(engine), {"first_name": f"C{i}"}, None)
        ids.append(created.item.id)
    for move in range(1, moves + 1):
        for cid in ids:
            await adjust_points(UnitOfWork(engine), str(cid), move, "n", f"m{cid}-{move}", "t")
    return ids


async def dispatch_all(engine: AsyncEngine, *more: Reaction) -> None:
    """The dispatcher's batches until no event is pending, with the webhooks' reaction and
    `more`."""
    while (await dispatch_pending(UnitOfWork(engine), [Webhooks(), *more])).events:
        pass


async def send_until(engine: AsyncEngine, settings: SenderConfig, done: Callable[[], bool]) -> None:
    """Sender passes until `done()` (or fail after WAIT_S)."""
    deadline = time.monotonic() + WAIT_S
    async with new_client(settings) as client:
        while not done():
            assert time.monotonic() < deadline, "the deliveries did not end in time"
            if not await send_due(engine, settings, client):
                await asyncio.sleep(0.02)


async def statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status")
        )
        return {r.status: int(r.n) for r in rows}


async def expected_per_customer(
    engine: AsyncEngine, types: tuple[str, ...] = TYPES
) -> dict[int | None, list[str]]:
    """Each customer's events of the types, as webhook ids in the order they were
    recorded: what the receiver must end with."""
    wanted = [name for name, kind in WEBHOOK_TYPES.items() if kind in types]
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT id, customer_id FROM domain_events WHERE type = ANY(:t) ORDER BY id"),
            {"t": wanted},
        )
        found: dict[int | None, list[str]] = {}
        for r in rows:
            found.setdefault(r.customer_id, []).append(f"evt_{r.id}")
        return found


async def send_passes(engine: AsyncEngine, settings: SenderConfig, passes: int = 5) -> None:
    """A few sender passes, a short retry wait apart (for what must not be sent)."""
    async with new_client(settings) as client:
        for _ in range(passes):
            await send_due(engine, settings, client)
            await asyncio.sleep(0.1)
