"""Customers, limits and messages for the fatigue tests, on real PostgreSQL."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, Message, NewMessage, Purpose, Status
from notifications.delivery.queueing import queue_message
from notifications.delivery.sending import get_message
from notifications.delivery.tables import messages
from notifications.fatigue.enforcement import deferrals
from notifications.fatigue.models import Deferral, LimitChannel, MessagingLimits, PeriodUnit
from notifications.fatigue.settings import set_messaging_limits
from notifications.fatigue.validation import (
    CapSpec,
    ChannelLimitsSpec,
    LimitsSpec,
    QuietHoursSpec,
)

NIGHT = QuietHoursSpec("21:00", "09:00")


async def customer(
    engine: AsyncEngine, key: str, time_zone: str | None = None, consent: bool = True
) -> int:
    values: dict[str, Any] = {
        "external_ref": key,
        "email": f"{key}@example.com",
        "consent_email": consent,
        "phone": f"+39333{zlib.crc32(key.encode()) % 10_000_000:07d}",
        "consent_sms": consent,
        "time_zone": time_zone,
    }
    return (await create_customer(UnitOfWork(engine), values, None)).item.id


def cap(channel: LimitChannel, most: int, period: int, unit: PeriodUnit) -> ChannelLimitsSpec:
    return ChannelLimitsSpec(channel, cap=CapSpec(most, period, unit))


async def limits(engine: AsyncEngine, **spec: Any) -> MessagingLimits:
    return await set_messaging_limits(UnitOfWork(engine), LimitsSpec(**spec), "test")


async def queued(
    engine: AsyncEngine,
    customer_id: int,
    key: str,
    channel: Channel = Channel.SMS,
    purpose: Purpose = Purpose.MARKETING,
) -> int:
    recipient = f"{customer_id}@example.com" if channel is Channel.EMAIL else "+393330000000"
    content: dict[str, Any] = {"subject": key, "text": key}
    if channel is Channel.MMS:
        content["mediaUrls"] = ["https://shop.example/a.png"]
    new = NewMessage(key, channel, purpose, recipient, content, customer_id)
    return (await queue_message(UnitOfWork(engine), new)).message.id


async def set_row(engine: AsyncEngine, message_id: int, **values: Any) -> None:
    """Write a message's columns as a past send would have left them."""
    if isinstance(values.get("status"), Status):
        values["status"] = values["status"].value
    async with engine.begin() as conn:
        await conn.execute(update(messages).where(messages.c.id == message_id).values(**values))


async def sent_at(engine: AsyncEngine, message_id: int, at: datetime) -> None:
    await set_row(engine, message_id, status=Status.SENT, claimed_at=at, handed_at=at)


async def message(engine: AsyncEngine, message_id: int) -> Message:
    found = await get_message(UnitOfWork(engine), message_id)
    assert found is not None
    return found


async def decide(engine: AsyncEngine, ids: list[int], now: datetime) -> dict[int, Deferral]:
    """What the claim would decide for these messages at `now`."""
    batch = [await message(engine, i) for i in ids]
    uow = UnitOfWork(engine)
    async with uow:
        return await deferrals(uow, batch, now)
