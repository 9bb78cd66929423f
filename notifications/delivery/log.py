"""The delivery log: messages filtered by customer, channel, status, template and period,
newest first, and how many there are in each status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from domain.errors import Problems
from domain.pagination import Page
from domain.uow import UnitOfWork
from domain.validation import check_window
from notifications.delivery.models import TEST_KEY_PREFIX, Channel, Message, Status, message_from
from notifications.delivery.tables import messages


@dataclass(frozen=True)
class LogFilter:
    """Every part optional; `since` inclusive, `until` exclusive, on the creation time."""

    customer_id: int | None = None
    channel: Channel | None = None
    status: Status | None = None
    template_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    # True: only test messages (sendTestMessage); False: only the others.
    is_test: bool | None = None

    def checked(self, field: str = "filter") -> LogFilter:
        """The filter, or a DomainError naming the part at fault (a time without its UTC
        offset or outside the supported range, `until` not after `since`)."""
        problems = Problems()
        check_window(problems, (f"{field}.since", self.since), (f"{field}.until", self.until))
        problems.raise_if_any()
        return self

    def conditions(self) -> list[Any]:
        found: list[Any] = []
        if self.customer_id is not None:
            found.append(messages.c.customer_id == self.customer_id)
        if self.channel is not None:
            found.append(messages.c.channel == self.channel.value)
        if self.status is not None:
            found.append(messages.c.status == self.status.value)
        if self.template_id is not None:
            found.append(messages.c.template_id == self.template_id)
        if self.since is not None:
            found.append(messages.c.created_at >= self.since)
        if self.until is not None:
            found.append(messages.c.created_at < self.until)
        if self.is_test is not None:
            test = messages.c.dedupe_key.startswith(TEST_KEY_PREFIX, autoescape=True)
            found.append(test if self.is_test else ~test)
        return found


async def message_log(
    uow: UnitOfWork, wanted: LogFilter, limit: int, before_id: int | None = None
) -> Page[Message]:
    """A page of the messages the filter selects, newest first, after the message
    `before_id` of the previous page."""
    query = select(messages).where(*wanted.conditions())
    if before_id is not None:
        query = query.where(messages.c.id < before_id)
    async with uow:
        rows = await uow.execute(query.order_by(messages.c.id.desc()).limit(limit + 1))
        return Page.from_rows([message_from(row) for row in rows], limit)


async def message_totals(uow: UnitOfWork, wanted: LogFilter) -> dict[Status, int]:
    """How many of the selected messages are in each status (every status listed, 0 too)."""
    query = (
        select(messages.c.status, func.count().label("n"))
        .where(*wanted.conditions())
        .group_by(messages.c.status)
    )
    async with uow:
        rows = (await uow.execute(query)).mappings().all()
        counted = {Status(row["status"]): int(row["n"]) for row in rows}
    return {status: counted.get(status, 0) for status in Status}
