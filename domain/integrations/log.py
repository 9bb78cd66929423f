"""The integration log: one row per authenticated delivery, written after it was handled
(a delivery applied once: a retry of it is logged DUPLICATE and changes nothing), and read
by the console through GraphQL, newest first, filtered by shop, platform and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.integrations.tables import integration_log
from domain.pagination import Page
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class Delivery:
    """An authenticated delivery: its platform, shop, id and topic."""

    platform: str
    shop: str
    delivery_id: str
    topic: str


@dataclass(frozen=True)
class Outcome:
    outcome: str  # APPLIED, DUPLICATE, IGNORED, REJECTED
    reason: str = ""
    order_id: str | None = None
    customer_id: int | None = None
    http_status: int = 200


@dataclass(frozen=True)
class LogEntry:
    id: int
    platform: str
    shop: str
    delivery_id: str
    topic: str
    outcome: str
    reason: str
    order_id: str | None
    customer_id: int | None
    http_status: int
    received_at: datetime


async def already_applied(uow: UnitOfWork, delivery: Delivery) -> bool:
    query = select(
        exists().where(
            integration_log.c.platform == delivery.platform,
            integration_log.c.shop == delivery.shop,
            integration_log.c.delivery_id == delivery.delivery_id,
            integration_log.c.outcome == "APPLIED",
        )
    )
    async with uow:
        return bool((await uow.execute(query)).scalar())


@dataclass(frozen=True)
class _Write(Command[Outcome]):
    delivery: Delivery
    outcome: Outcome

    async def handle(self, uow: UnitOfWork) -> Outcome:
        d, o = self.delivery, self.outcome
        row = {
            "platform": d.platform,
            "shop": d.shop,
            "delivery_id": d.delivery_id[:200],
            "topic": d.topic[:100],
            "outcome": o.outcome,
            "reason": o.reason[:1000],
            "order_id": o.order_id,
            "customer_id": o.customer_id,
            "http_status": o.http_status,
        }
        written = await uow.execute(
            insert(integration_log)
            .values(row)
            .on_conflict_do_nothing()
            .returning(integration_log.c.id)
        )
        if written.first() is not None:
            return o
        # The same delivery was applied by a concurrent call: this one is its duplicate.
        duplicate = Outcome("DUPLICATE", "Delivered before.", o.order_id, o.customer_id)
        await uow.execute(
            insert(integration_log).values(
                {**row, "outcome": "DUPLICATE", "reason": duplicate.reason}
            )
        )
        return duplicate


async def write(uow: UnitOfWork, delivery: Delivery, outcome: Outcome) -> Outcome:
    """Log the delivery's outcome (DUPLICATE instead when another call applied it first)."""
    return await run(uow, _Write(delivery, outcome))


@dataclass(frozen=True)
class LogFilter:
    shop: str | None = None
    platform: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def log_page(
    uow: UnitOfWork, where: LogFilter, limit: int, before_id: int | None
) -> Page[LogEntry]:
    """A page of the log, newest first (ids below `before_id`)."""
    t = integration_log
    conditions: list[Any] = []
    for column, value in (
        (t.c.shop, where.shop),
        (t.c.platform, where.platform),
        (t.c.outcome, where.outcome),
    ):
        if value is not None:
            conditions.append(column == value)
    if where.since is not None:
        conditions.append(t.c.received_at >= where.since)
    if where.until is not None:
        conditions.append(t.c.received_at < where.until)
    if before_id is not None:
        conditions.append(t.c.id < before_id)
    query = select(t).where(*conditions).order_by(t.c.id.desc()).limit(limit + 1)
    async with uow:
        rows = (await uow.execute(query)).all()
    entries = [LogEntry(**{k: getattr(r, k) for k in LogEntry.__dataclass_fields__}) for r in rows]
    return Page.from_rows(entries, limit)
