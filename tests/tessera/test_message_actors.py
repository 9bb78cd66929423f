"""Given queued messages, when a real Dramatiq worker runs `send_message`, `send_messages`
and `recover_messages` on the session's broker, then email goes out through the configured
SMTP server once, batches go out over connections the worker keeps and closes when it
stops, the sandbox captures when no channel is configured, and a message a crashed sender
left unsent is sent by the recovery sweep."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.commands import run
from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from notifications.delivery import sending
from notifications.delivery.models import Channel, NewMessage, Purpose, Status
from notifications.delivery.queueing import queue_message
from notifications.delivery.sending import Claim, get_message
from notifications.delivery.tables import messages
from tests.support.fake_twilio import fake_twilio
from tests.support.smtp_server import smtp_server
from tests.tessera.test_worker import actors, run_worker_until_idle

__all__ = ["actors"]  # the fixture, used by name


async def _queued(engine: AsyncEngine, key: str, sms: int = 0) -> int:
    """An email to a new customer (and `sms` text messages to the same customer)."""
    phone = f"+3933312345{len(key):02d}"
    values = {"external_ref": key, "email": f"{key}@example.com", "consent_email": True,
              "phone": phone, "consent_sms": True}  # fmt: skip
    customer = (await create_customer(UnitOfWork(engine), values, None)).item.id
    content = {"subject": f"Hello {key}", "text": "Points!"}
    recipient = f"{key}@example.com"
    new = NewMessage(key, Channel.EMAIL, Purpose.TRANSACTIONAL, recipient, content, customer)
    for n in range(sms):
        text = NewMessage(f"{key}-sms{n}", Channel.SMS, Purpose.TRANSACTIONAL, phone,
                          {"text": f"{key} {n}"}, customer)  # fmt: skip
        await queue_message(UnitOfWork(engine), text)
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


async def test_the_worker_sends_batches_over_connections_it_keeps_and_closes_when_it_stops(
    actors: ModuleType, clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 12 customers, each with an email and an SMS queued
    for n in range(12):
        await _queued(clean_db, f"c{n:02d}", sms=1)
    async with clean_db.connect() as conn:
        ids = list((await conn.execute(select(messages.c.id).order_by(messages.c.id))).scalars())
    async with fake_twilio() as (fake, twilio_url):
        with smtp_server() as (inbox, server):
            monkeypatch.setenv("TESSERA_SMTP_URL", f"smtp://127.0.0.1:{server.port}?connections=2")
            monkeypatch.setenv("TESSERA_EMAIL_FROM", "loyalty@shop.example")
            monkeypatch.setenv("TESSERA_TWILIO_ACCOUNT_SID", fake.account_sid)
            monkeypatch.setenv("TESSERA_TWILIO_AUTH_TOKEN", fake.auth_token)
            monkeypatch.setenv("TESSERA_TWILIO_FROM", "+15551230000")
            monkeypatch.setenv("TESSERA_TWILIO_API_URL", twilio_url)
            # When they are sent in three batches, one of them twice, to a worker of 2 threads
            for chunk in (ids[:8], ids[8:16], ids[16:], ids[:8]):
                last = actors.send_messages.send(chunk)
            await asyncio.to_thread(run_worker_until_idle, actors, last, 2)
    # Then every message was sent once
    async with clean_db.connect() as conn:
        rows = (await conn.execute(select(messages.c.status, messages.c.attempts))).all()
    assert sorted(set(rows)) == [("SENT", 1)] and len(rows) == 24
    assert inbox.received == 12 and len(fake.sent) == 12
    # over at most the two SMTP connections the worker kept, each closed when it stopped
    assert 1 <= inbox.connections <= 2
    assert inbox.quits == inbox.connections


async def test_a_message_failed_for_now_is_sent_again_by_the_worker_when_due(
    actors: ModuleType, clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an SMS queued, Twilio busy (503) for its first request, backoffs of a second
    await _queued(clean_db, "dee", sms=1)
    async with clean_db.connect() as conn:
        sms_id = (
            await conn.execute(select(messages.c.id).where(messages.c.channel == "SMS"))
        ).scalar_one()
    monkeypatch.setattr(sending, "FIRST_BACKOFF_S", 1.0)
    async with fake_twilio() as (fake, twilio_url):
        fake.fail_next(503)
        monkeypatch.setenv("TESSERA_TWILIO_ACCOUNT_SID", fake.account_sid)
        monkeypatch.setenv("TESSERA_TWILIO_AUTH_TOKEN", fake.auth_token)
        monkeypatch.setenv("TESSERA_TWILIO_FROM", "+15551230000")
        monkeypatch.setenv("TESSERA_TWILIO_API_URL", twilio_url)
        # When the worker sends it (and, the worker idle only once the delayed send ran)
        first = actors.send_messages.send([sms_id])
        await asyncio.to_thread(run_worker_until_idle, actors, first)
    # Then it went out on its second attempt, from the send the first one scheduled
    sent = await get_message(UnitOfWork(clean_db), sms_id)
    assert sent is not None and (sent.status, sent.attempts) == (Status.SENT, 2)
    assert fake.requests == 2 and len(fake.sent) == 1
    assert "503" in (sent.last_error or "")


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


def test_a_send_due_soon_is_delayed_on_the_broker_one_due_in_hours_is_left_to_the_sweep(
    actors: ModuleType,
) -> None:
    # Given a retry due in a minute and a deferral to the end of quiet hours, in 8 hours
    now = datetime.now(UTC)
    soon = {1: sending.Delivery(Status.QUEUED, now + timedelta(minutes=1))}
    later = {2: sending.Delivery(Status.DEFERRED, now + timedelta(hours=8))}
    delayed = f"{actors.broker.namespace}:default.DQ.msgs"
    # When the worker schedules them again
    actors._send_again_when_due(soon)
    actors._send_again_when_due(later)
    # Then only the retry is a delayed message on the broker (the broker keeps a delayed
    # message unacknowledged in a worker's memory until it is due: hours of them would hold
    # back every short retry); the deferral is sent by recover_messages' sweep at its time
    assert actors.broker.client.hlen(delayed) == 1
