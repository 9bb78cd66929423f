"""Given messaging limits, when senders deliver marketing messages (the sandbox, or a real
SMTP server), then a message in quiet hours or over the cap is DEFERRED at its claim and sent
once its time has come, never dropped; 30 senders racing over one customer's messages send
exactly the cap; transactional messages go at once, but never without consent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from notifications.channels.email import SmtpConfig, SmtpSender
from notifications.delivery.models import Channel, Purpose, Status
from notifications.delivery.sending import Channels, deliver, stale_due_messages
from notifications.delivery.tables import messages
from notifications.fatigue.models import LimitChannel, PeriodUnit
from notifications.fatigue.validation import QuietHoursSpec
from tessera.database import create_engine
from tests.notifications.fatigue.support import cap, customer, limits, message, queued, set_row
from tests.support.smtp_server import smtp_server

SANDBOX = Channels()


def quiet_now() -> QuietHoursSpec:
    """Quiet hours from an hour ago to an hour from now, in UTC (crossing midnight or not)."""
    now = datetime.now(UTC)
    return QuietHoursSpec(
        (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=1)).strftime("%H:%M")
    )


@pytest.fixture
async def racing_engine(clean_db: AsyncEngine, database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine with a connection for each of 30 senders."""
    engine = create_engine(database_url, pool_size=30)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_message_in_quiet_hours_is_deferred_to_their_end_and_not_sent_before(
    clean_db: AsyncEngine,
) -> None:
    # Given quiet hours around now, and Ann without a zone (UTC)
    await limits(clean_db, quiet_hours=quiet_now())
    ann = await customer(clean_db, "ann")
    sms = await queued(clean_db, ann, "promo")
    # When a sender takes her marketing SMS
    delivery = await deliver(UnitOfWork(clean_db), sms, SANDBOX)
    # Then it is deferred to the end of the quiet hours, which the sender is told (its actor
    # sends itself again then, as for a retry)
    held = await message(clean_db, sms)
    assert delivery.status is Status.DEFERRED and delivery.retry_at == held.not_before
    assert (held.status, held.status_reason, held.attempts) == (Status.DEFERRED, "QUIET_HOURS", 0)
    assert held.not_before is not None
    wait = held.not_before - datetime.now(UTC)
    assert timedelta(minutes=58) < wait <= timedelta(hours=1)
    # And another sender before that time finds nothing to do
    assert (await deliver(UnitOfWork(clean_db), sms, SANDBOX)).status is None


async def test_a_message_over_the_cap_is_sent_when_its_time_comes(clean_db: AsyncEngine) -> None:
    # Given at most 1 email an hour, and a first one captured
    await limits(clean_db, channels=(cap(LimitChannel.EMAIL, 1, 1, PeriodUnit.HOURS),))
    ann = await customer(clean_db, "ann")
    first = await queued(clean_db, ann, "first", Channel.EMAIL)
    second = await queued(clean_db, ann, "second", Channel.EMAIL)
    assert (await deliver(UnitOfWork(clean_db), first, SANDBOX)).status is Status.CAPTURED
    # When the second is taken, it is deferred for the cap, an hour after the first
    assert (await deliver(UnitOfWork(clean_db), second, SANDBOX)).status is Status.DEFERRED
    sent = await message(clean_db, first)
    held = await message(clean_db, second)
    assert held.status_reason == "FREQUENCY_CAP" and sent.claimed_at is not None
    assert held.not_before == sent.claimed_at + timedelta(hours=1)
    # Then, an hour later (the clock moved by moving the log back an hour)...
    assert held.not_before is not None
    await set_row(clean_db, first, claimed_at=sent.claimed_at - timedelta(hours=1))
    await set_row(clean_db, second, not_before=held.not_before - timedelta(hours=1),
                  updated_at=datetime.now(UTC) - timedelta(hours=1))  # fmt: skip
    # ... the recovery sweep finds it due, and a sender sends it
    assert second in await stale_due_messages(UnitOfWork(clean_db), idle_s=120)
    assert (await deliver(UnitOfWork(clean_db), second, SANDBOX)).status is Status.CAPTURED
    done = await message(clean_db, second)
    assert (done.status, done.status_reason, done.attempts) == (Status.CAPTURED, "SANDBOX", 1)


async def test_a_transactional_message_skips_the_limits_but_never_consent(
    clean_db: AsyncEngine,
) -> None:
    # Given quiet hours now and a cap of 1 SMS a week already used
    week_of_1 = cap(LimitChannel.SMS, 1, 7, PeriodUnit.DAYS)
    await limits(clean_db, quiet_hours=quiet_now(), channels=(week_of_1,))
    ann = await customer(clean_db, "ann")
    used = await queued(clean_db, ann, "used")
    await set_row(clean_db, used, status=Status.SENT, claimed_at=datetime.now(UTC))
    # When her voucher code goes out
    voucher = await queued(clean_db, ann, "voucher", purpose=Purpose.TRANSACTIONAL)
    # Then it goes at once
    assert (await deliver(UnitOfWork(clean_db), voucher, SANDBOX)).status is Status.CAPTURED
    # But to Bob, who gave no consent, it is suppressed
    bob = await customer(clean_db, "bob", consent=False)
    his = await queued(clean_db, bob, "his-voucher", purpose=Purpose.TRANSACTIONAL)
    assert (await deliver(UnitOfWork(clean_db), his, SANDBOX)).status is Status.SUPPRESSED


async def _race(engine: AsyncEngine, ids: list[int], channels: Channels) -> list[Status | None]:
    results = await asyncio.gather(*(deliver(UnitOfWork(engine), i, channels) for i in ids))
    return [r.status for r in results]


async def _statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(messages.c.status, messages.c.status_reason))
    found: dict[str, int] = {}
    for status, reason in rows:
        found[f"{status}:{reason}"] = found.get(f"{status}:{reason}", 0) + 1
    return found


async def test_30_senders_racing_over_30_messages_send_exactly_the_cap(
    racing_engine: AsyncEngine,
) -> None:
    # Given at most 3 SMS a week, and 30 marketing SMS queued for Ann
    await limits(racing_engine, channels=(cap(LimitChannel.SMS, 3, 7, PeriodUnit.DAYS),))
    ann = await customer(racing_engine, "ann")
    ids = [await queued(racing_engine, ann, f"promo-{n}") for n in range(30)]
    # When 30 senders take them at once, each on its own connection
    statuses = await _race(racing_engine, ids, SANDBOX)
    # Then exactly 3 are sent (captured) and 27 deferred, none lost
    assert sorted(map(str, statuses)).count("CAPTURED") == 3
    assert sorted(map(str, statuses)).count("DEFERRED") == 27
    assert await _statuses(racing_engine) == {"CAPTURED:SANDBOX": 3, "DEFERRED:FREQUENCY_CAP": 27}
    # And every deferred one waits until the first sent is a week old
    found = [await message(racing_engine, i) for i in ids]
    first = min(m.claimed_at for m in found if m.status is Status.CAPTURED and m.claimed_at)
    assert {m.not_before for m in found if m.status is Status.DEFERRED} == {
        first + timedelta(days=7)
    }


async def test_30_senders_racing_through_a_real_smtp_server_deliver_exactly_the_cap(
    racing_engine: AsyncEngine,
) -> None:
    # Given at most 3 emails a day, and 30 marketing emails for Ann and 30 for Bob
    await limits(racing_engine, channels=(cap(LimitChannel.EMAIL, 3, 1, PeriodUnit.DAYS),))
    ann = await customer(racing_engine, "ann")
    bob = await customer(racing_engine, "bob")
    ids = [
        await queued(racing_engine, c, f"{c}-{n}", Channel.EMAIL)
        for n in range(15)
        for c in (ann, bob)
    ]
    with smtp_server() as (inbox, server):
        # When 30 senders take them at once (each with its own SMTP connection, as each
        # worker thread has)
        senders = [SmtpSender(SmtpConfig("127.0.0.1", server.port)) for _ in ids]
        try:
            results = await asyncio.gather(
                *(
                    deliver(UnitOfWork(racing_engine), i, Channels(s, None, "shop@example.com"))
                    for i, s in zip(ids, senders, strict=True)
                )
            )
        finally:
            await asyncio.gather(*(s.close() for s in senders))
    statuses = [r.status for r in results]
    # Then 3 reach each of them (at their addresses now), and the others are deferred
    assert sorted(map(str, statuses)).count("SENT") == 6
    assert (
        sorted(m["To"] for m in inbox.messages) == ["ann@example.com"] * 3 + ["bob@example.com"] * 3
    )
    assert await _statuses(racing_engine) == {"SENT:None": 6, "DEFERRED:FREQUENCY_CAP": 24}
