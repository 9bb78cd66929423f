"""Helpers of the funnel engine's tests: funnels saved and activated through
funnels.definitions, customers made through the domain, and a clock the tests move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from funnels.definitions.services import change_status, save_funnel
from funnels.definitions.statuses import Transition
from funnels.engine.advancing import Advanced
from funnels.engine.running import advance_until_idle
from funnels.engine.steps.batch import Runtime
from funnels.engine.versions import VersionCache
from notifications.dispatch.composing import Shop
from tessera.funnel_engine import narrow
from tessera.funnel_filters import CHECK_FILTER as check_filter

START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def move(self, by: timedelta) -> None:
        self.now += by


async def active_funnel(engine: AsyncEngine, raw: dict[str, Any], key: str) -> int:
    saved = await save_funnel(
        UnitOfWork(engine), raw, check_filter, idempotency_key=key, actor="marketer"
    )
    await change_status(
        UnitOfWork(engine), str(saved.funnel.id), Transition.ACTIVATE, check_filter, "marketer"
    )
    return saved.funnel.id


async def customers(engine: AsyncEngine, n: int, **values: Any) -> list[int]:
    made = []
    for i in range(n):
        created = await create_customer(UnitOfWork(engine), {"first_name": f"C{i}", **values}, None)
        made.append(created.item.id)
    return made


RUNTIME = Runtime(Shop(name="Bottega Verde"), narrow)


async def advance(
    engine: AsyncEngine, clock: Clock, limit: int = 1000, sent: list[int] | None = None
) -> Advanced:
    """Advance until idle; the messages handed for sending go to `sent`."""
    sink = sent if sent is not None else []
    return await advance_until_idle(
        engine, VersionCache(check_filter), RUNTIME, sink.extend, clock, limit
    )


async def positions(engine: AsyncEngine, funnel_id: int) -> dict[int, tuple[str, str | None]]:
    """customer -> (status, step) of the customer's latest enrollment."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT DISTINCT ON (customer_id) customer_id, status, step_id "
                "FROM funnel_enrollments WHERE funnel_id = :f "
                "ORDER BY customer_id, entry_no DESC"
            ),
            {"f": funnel_id},
        )
        return {r.customer_id: (r.status, r.step_id) for r in rows}


async def runs(engine: AsyncEngine, funnel_id: int) -> list[tuple[int, int, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT r.enrollment_id, r.seq, r.step_id, r.outcome FROM funnel_step_runs r "
                "WHERE r.funnel_id = :f ORDER BY r.enrollment_id, r.seq"
            ),
            {"f": funnel_id},
        )
        return [(r.enrollment_id, r.seq, r.step_id, r.outcome) for r in rows]
