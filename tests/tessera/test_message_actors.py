"""Given queued messages, when a real Dramatiq worker runs `send_message` and
`recover_messages` on the session's broker, then email goes out through the configured SMTP
server once, the sandbox captures when no channel is configured, and a message a crashed
sender left unsent is sent by the recovery sweep."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.commands import run
from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, NewMessage, Purpose, Status
from notifications.delivery.queueing import queue_message
from notifications.delivery.sending import Claim, get_message
from notifications.delivery.tables import messages
from tests.support.smtp_server import smtp_server
from tests.tessera.test_worker import actors, run_worker_until_idle

__all__ = ["actors"]  # the fixture, used by name


async def _queued(engine: AsyncEngine, key: str) -> int:
    values = {"external_ref": key, "email": f"{key}@example.com", "consent_email": True}
    customer = (await create_customer(UnitOfWork(engine), values, None)).item.id
    content = {"subject": f"Hello {key}", "text": "Points!"}
    recipient = f"{key}@example.com"
    new = NewMessage(key, Channel.EMAIL, Purpose.TRANSACTIONAL, recipient, content, customer)
    return (await queue_message(UnitOfWork(engine), new)).message.id


async def test_the_worker_sends_a_queued_email_through_the_configured_smtp_server(
    actors: ModuleType, clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = await _queued(clean_db, "ann")
    with smtp_server() as (inbox, server):
        monkeypatch.setenv("TESSERA_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
        monkeypatch.setenv("TESSERA_EMAIL_FROM", "loyalty@shop.example")
        first = actors.send_message.send(message_id)
        actors.send_message.send(message_id)  # a duplicate request: harmless
        await asyncio.to_thread(run_worker_until_idle, actors, first)
    assert [m["Subject"] for m in inbox.messages] == ["Hello ann"]
    sent = await get_message(UnitOfWork(clean_db), message_id)
    assert sent is not None and sent.status is Status.SENT and sent.attempts == 1


async def test_without_smtp_settings_the_worker_captures_the_message(
    actors: ModuleType, clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TESSERA_SMTP_URL", raising=False)
    message_id = await _queued(clean_db, "bob")
    message = actors.send_message.send(message_id)
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    captured = await get_message(UnitOfWork(clean_db), message_id)
    assert captured is not None and captured.status is Status.CAPTURED


async def test_the_recovery_sweep_sends_what_a_crashed_sender_never_handed_over(
    actors: ModuleType, clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = await _queued(clean_db, "cid")
    await run(UnitOfWork(clean_db), Claim(message_id))  # a sender claims it, then dies
    async with clean_db.begin() as conn:  # ... ten minutes ago
        await conn.execute(
            update(messages)
            .where(messages.c.id == message_id)
            .values(claimed_at=datetime.now(UTC) - timedelta(minutes=10))
        )
    with smtp_server() as (inbox, server):
        monkeypatch.setenv("TESSERA_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
        monkeypatch.setenv("TESSERA_EMAIL_FROM", "loyalty@shop.example")
        sweep = actors.recover_messages.send()
        await asyncio.to_thread(run_worker_until_idle, actors, sweep)
    assert [m["Subject"] for m in inbox.messages] == ["Hello cid"]
    sent = await get_message(UnitOfWork(clean_db), message_id)
    assert sent is not None and sent.status is Status.SENT and sent.attempts == 2
