"""Given queued messages, when senders deliver them through a real SMTP server and a fake of
Twilio's API, then each message is created once per dedupe key and handed over at most once
per claim, consent is checked at send time, the sandbox captures, and every outcome (sent,
refused, failed for now, a sender stopped before or after the hand-over) is recorded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.commands import run
from domain.customers.consent import current_consent
from domain.customers.models import ConsentChannel
from domain.customers.services import create_customer, update_customer
from domain.uow import UnitOfWork
from notifications.channels.email import SmtpConfig, SmtpSender
from notifications.channels.sms import TwilioConfig, TwilioSender
from notifications.delivery.models import Channel, NewMessage, Purpose, Status
from notifications.delivery.queueing import queue_message
from notifications.delivery.recovery import recover_stuck_messages
from notifications.delivery.sending import Channels, Claim, HandOver, deliver, get_message
from notifications.delivery.tables import messages
from tests.support.fake_twilio import UNSUBSCRIBED_NUMBER, FakeTwilio, fake_twilio
from tests.support.smtp_server import Inbox, smtp_server

ANN_PHONE = "+393331234567"


@pytest.fixture
async def ann(clean_db: AsyncEngine) -> int:
    values = {"external_ref": "ann", "email": "ann@example.com", "consent_email": True,
              "phone": ANN_PHONE, "consent_sms": True}  # fmt: skip
    return (await create_customer(UnitOfWork(clean_db), values, None)).item.id


@pytest.fixture
async def live(clean_db: AsyncEngine) -> AsyncIterator[tuple[Channels, Inbox, FakeTwilio]]:
    async with fake_twilio() as (fake, url):
        with smtp_server() as (inbox, server):
            email = SmtpSender(SmtpConfig("127.0.0.1", server.port))
            text = TwilioSender(
                TwilioConfig(fake.account_sid, fake.auth_token, "+15551230000", api_url=url)
            )
            try:
                yield Channels(email, text, "loyalty@shop.example"), inbox, fake
            finally:
                await email.close()
                await text.close()


def _email(
    customer_id: int | None, key: str = "event:1:customer:1:EMAIL:points_earned"
) -> NewMessage:
    return NewMessage(
        dedupe_key=key,
        channel=Channel.EMAIL,
        purpose=Purpose.TRANSACTIONAL,
        recipient="ann@example.com",
        content={"subject": "You earned 120 points", "text": "Hi Ann", "html": "<p>Hi Ann</p>"},
        customer_id=customer_id,
    )


def _sms(
    customer_id: int, to: str = ANN_PHONE, key: str = "event:1:customer:1:SMS:x"
) -> NewMessage:
    return NewMessage(key, Channel.SMS, Purpose.MARKETING, to, {"text": "1.250 points!"},
                      customer_id=customer_id)  # fmt: skip


async def test_the_same_dedupe_key_makes_one_message_however_often_and_concurrently(
    clean_db: AsyncEngine, ann: int
) -> None:
    results = await asyncio.gather(
        *(queue_message(UnitOfWork(clean_db), _email(ann)) for _ in range(30))
    )
    assert sum(r.created for r in results) == 1
    assert len({r.message.id for r in results}) == 1


async def test_an_email_is_sent_once_even_by_concurrent_senders(
    clean_db: AsyncEngine, ann: int, live: tuple[Channels, Inbox, FakeTwilio]
) -> None:
    channels, inbox, _ = live
    queued = await queue_message(UnitOfWork(clean_db), _email(ann))
    results = await asyncio.gather(
        *(deliver(UnitOfWork(clean_db), queued.message.id, channels) for _ in range(5))
    )
    assert sorted(str(r.status) for r in results) == ["None"] * 4 + ["SENT"]
    assert len(inbox.messages) == 1
    message = await get_message(UnitOfWork(clean_db), queued.message.id)
    assert message is not None and message.status is Status.SENT
    assert message.provider_id == inbox.messages[0]["Message-ID"] and message.attempts == 1


async def test_an_sms_is_sent_through_twilio_and_its_sid_recorded(
    clean_db: AsyncEngine, ann: int, live: tuple[Channels, Inbox, FakeTwilio]
) -> None:
    channels, _, fake = live
    queued = await queue_message(UnitOfWork(clean_db), _sms(ann))
    assert (await deliver(UnitOfWork(clean_db), queued.message.id, channels)).status is Status.SENT
    message = await get_message(UnitOfWork(clean_db), queued.message.id)
    assert message is not None and [message.provider_id] == [m.sid for m in fake.sent]


async def test_without_consent_at_send_time_the_message_is_suppressed(
    clean_db: AsyncEngine, live: tuple[Channels, Inbox, FakeTwilio]
) -> None:
    channels, inbox, _ = live
    values = {"external_ref": "bob", "email": "bob@example.com", "consent_email": False}
    bob = (await create_customer(UnitOfWork(clean_db), values, None)).item.id
    queued = await queue_message(UnitOfWork(clean_db), _email(bob, key="k-bob"))
    assert (await deliver(UnitOfWork(clean_db), queued.message.id, channels)).status is (
        Status.SUPPRESSED
    )
    message = await get_message(UnitOfWork(clean_db), queued.message.id)
    assert message is not None and message.status_reason == "NO_CONSENT"
    assert inbox.messages == []


async def test_an_sms_waiting_to_be_sent_does_not_go_to_a_number_the_customer_removed(
    clean_db: AsyncEngine, ann: int, live: tuple[Channels, Inbox, FakeTwilio]
) -> None:
    # Given a marketing SMS made for Ann's phone, waiting (quiet hours, a cap, a retry)
    channels, _, fake = live
    queued = await queue_message(UnitOfWork(clean_db), _sms(ann))
    # When Ann removes her phone before it is sent
    await update_customer(UnitOfWork(clean_db), str(ann), {"phone": None}, "test")
    delivery = await deliver(UnitOfWork(clean_db), queued.message.id, channels)
    # Then it is suppressed, saying why, and goes nowhere (the number may be someone else's)
    message = await get_message(UnitOfWork(clean_db), queued.message.id)
    assert message is not None
    assert (delivery.status, message.status_reason) == (Status.SUPPRESSED, "NO_ADDRESS")
    assert fake.sent == []


async def test_a_message_waiting_to_be_sent_goes_to_the_customers_address_now(
    clean_db: AsyncEngine, ann: int, live: tuple[Channels, Inbox, FakeTwilio]
) -> None:
    # Given an email and an SMS made for Ann's old address and phone
    channels, inbox, fake = live
    email = await queue_message(UnitOfWork(clean_db), _email(ann))
    sms = await queue_message(UnitOfWork(clean_db), _sms(ann))
    # When she changes both before they are sent
    new = {"email": "ann.rossi@example.com", "phone": "+393339876543"}
    await update_customer(UnitOfWork(clean_db), str(ann), new, "test")
    for queued in (email, sms):
        assert (await deliver(UnitOfWork(clean_db), queued.message.id, channels)).status is (
            Status.SENT
        )
    # Then each went to her address now, which the delivery log shows as its recipient
    assert [m["To"] for m in inbox.messages] == ["ann.rossi@example.com"]
    assert [m.to for m in fake.sent] == ["+393339876543"]
    logged = [await get_message(UnitOfWork(clean_db), q.message.id) for q in (email, sms)]
    assert [m.recipient for m in logged if m] == ["ann.rossi@example.com", "+393339876543"]


async def test_with_no_channel_configured_the_sandbox_captures(
    clean_db: AsyncEngine, ann: int
) -> None:
    queued = await queue_message(UnitOfWork(clean_db), _email(ann))
    delivery = await deliver(UnitOfWork(clean_db), queued.message.id, Channels())
    assert delivery.status is Status.CAPTURED


async def test_twilio_21610_fails_the_message_and_withdraws_the_numbers_sms_consent(
    clean_db: AsyncEngine, live: tuple[Channels, Inbox, FakeTwilio]
) -> None:
    channels, _, _ = live
    made = {}
    for ref, phone in (("ann", UNSUBSCRIBED_NUMBER), ("her-son", UNSUBSCRIBED_NUMBER),
                       ("bob", "+393331234560")):  # fmt: skip
        values = {"external_ref": ref, "phone": phone, "consent_sms": True}
        made[ref] = (await create_customer(UnitOfWork(clean_db), values, None)).item.id
    queued = await queue_message(UnitOfWork(clean_db), _sms(made["ann"], to=UNSUBSCRIBED_NUMBER))
    assert (await deliver(UnitOfWork(clean_db), queued.message.id, channels)).status is (
        Status.FAILED
    )
    message = await get_message(UnitOfWork(clean_db), queued.message.id)
    assert message is not None and message.status_reason == "21610"
    # The number said STOP: as a STOP keyword does, everyone with it stops getting SMS
    sms = {}
    for ref, cid in made.items():
        consent = await current_consent(UnitOfWork(clean_db), cid)
        assert consent is not None
        sms[ref] = consent[ConsentChannel.SMS]
    assert sms == {"ann": False, "her-son": False, "bob": True}


async def test_a_transient_failure_queues_the_message_again_after_a_backoff(
    clean_db: AsyncEngine, ann: int, live: tuple[Channels, Inbox, FakeTwilio]
) -> None:
    channels, _, fake = live
    fake.fail_next(503)
    queued = await queue_message(UnitOfWork(clean_db), _sms(ann))
    first = await deliver(UnitOfWork(clean_db), queued.message.id, channels)
    assert first.status is Status.QUEUED and first.retry_at is not None
    assert first.retry_at > datetime.now(UTC) + timedelta(seconds=4)
    too_early = await deliver(UnitOfWork(clean_db), queued.message.id, channels)
    assert too_early.status is None  # not due yet: not claimed
    await _make_due(clean_db, queued.message.id)
    assert (await deliver(UnitOfWork(clean_db), queued.message.id, channels)).status is Status.SENT
    message = await get_message(UnitOfWork(clean_db), queued.message.id)
    assert message is not None and message.attempts == 2 and len(fake.sent) == 1


async def test_a_sender_stopped_before_the_hand_over_is_retried_and_after_it_is_uncertain(
    clean_db: AsyncEngine, ann: int, live: tuple[Channels, Inbox, FakeTwilio]
) -> None:
    channels, inbox, _ = live
    before = await queue_message(UnitOfWork(clean_db), _email(ann, key="k-before"))
    after = await queue_message(UnitOfWork(clean_db), replace(_email(ann), dedupe_key="k-after"))
    # Two senders die: one right after claiming, one right after recording its hand-over.
    await run(UnitOfWork(clean_db), Claim(before.message.id))
    claimed = await run(UnitOfWork(clean_db), Claim(after.message.id))
    assert claimed is not None and claimed.claimed_at is not None
    assert await run(UnitOfWork(clean_db), HandOver(after.message.id, claimed.claimed_at))

    soon = await recover_stuck_messages(UnitOfWork(clean_db))
    assert (soon.requeued, soon.uncertain) == ([], [])  # not stuck yet
    later = datetime.now(UTC) + timedelta(minutes=10)
    recovered = await recover_stuck_messages(UnitOfWork(clean_db), now=later)
    assert recovered.requeued == [before.message.id]
    assert recovered.uncertain == [after.message.id]

    assert (await deliver(UnitOfWork(clean_db), before.message.id, channels)).status is Status.SENT
    assert (await deliver(UnitOfWork(clean_db), after.message.id, channels)).status is None
    assert [m["Subject"] for m in inbox.messages] == ["You earned 120 points"]
    uncertain = await get_message(UnitOfWork(clean_db), after.message.id)
    assert uncertain is not None and uncertain.status is Status.UNCERTAIN


async def _make_due(engine: AsyncEngine, message_id: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(messages).where(messages.c.id == message_id).values(not_before=None)
        )
