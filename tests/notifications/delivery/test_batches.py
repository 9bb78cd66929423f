"""Given queued messages, when senders deliver them a batch at a time through a real SMTP
server and a fake of Twilio's API, then every outcome of a batch is recorded as a single
send records it (sent, refused for good, failed for now, no consent, the sandbox, held
back), in the same few statements whatever the batch's size, each message is sent once
however many batches hold it, and a dropped SMTP connection is opened again."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.commands import run
from domain.customers.consent import consent_histories, current_consent
from domain.customers.models import ConsentChannel
from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from notifications.channels.email import SmtpConfig, SmtpPool
from notifications.channels.sms import TwilioConfig, TwilioSender
from notifications.delivery.claims import (
    ClaimBatch,
    HandOverBatch,
    Settle,
    finished,
    handed_over,
)
from notifications.delivery.models import Channel, Message, NewMessage, Purpose, Status
from notifications.delivery.queueing import queue_message
from notifications.delivery.sending import (
    Channels,
    Claim,
    Deferral,
    Delivery,
    deliver_batch,
    due_again,
    get_message,
)
from notifications.delivery.tables import messages
from notifications.fatigue.models import DeferralReason
from tests.support.fake_twilio import INVALID_NUMBER, UNSUBSCRIBED_NUMBER, FakeTwilio, fake_twilio
from tests.support.round_trips import counting_engine
from tests.support.smtp_server import Inbox, SmtpServer, smtp_server

Live = tuple[Channels, Inbox, SmtpServer, FakeTwilio]
PHONE = "+393331234567"


@pytest.fixture
async def live(clean_db: AsyncEngine) -> AsyncIterator[Live]:
    async with fake_twilio() as (fake, url):
        with smtp_server() as (inbox, server):
            email = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
            text = TwilioSender(
                TwilioConfig(fake.account_sid, fake.auth_token, "+15551230000", api_url=url)
            )
            try:
                yield Channels(email, text, "loyalty@shop.example"), inbox, server, fake
            finally:
                await email.close()
                await text.close()


async def _customer(engine: AsyncEngine, ref: str, phone: str, email: bool = True,
                    sms: bool = True) -> int:  # fmt: skip
    values = {"external_ref": ref, "email": f"{ref}@example.com", "consent_email": email,
              "phone": phone, "consent_sms": sms}  # fmt: skip
    return (await create_customer(UnitOfWork(engine), values, None)).item.id


async def _queue(
    engine: AsyncEngine,
    key: str,
    channel: Channel,
    to: str,
    customer_id: int | None,
    purpose: Purpose = Purpose.TRANSACTIONAL,
) -> int:
    content = (
        {"subject": f"Hello {key}", "text": "Points!", "html": "<p>Points!</p>"}
        if channel is Channel.EMAIL
        else {"text": f"Points for {key}!"}
    )
    new = NewMessage(key, channel, purpose, to, content, customer_id)
    return (await queue_message(UnitOfWork(engine), new)).message.id


async def _status(engine: AsyncEngine, message_id: int) -> tuple[Status, str | None, int]:
    message = await get_message(UnitOfWork(engine), message_id)
    assert message is not None
    return message.status, message.status_reason, message.attempts


async def test_a_batch_records_every_outcome_as_single_sends_do(
    clean_db: AsyncEngine, live: Live
) -> None:
    channels, inbox, _, fake = live
    ann = await _customer(clean_db, "ann", "+393331234567")
    bob = await _customer(clean_db, "bob", UNSUBSCRIBED_NUMBER)
    cal = await _customer(clean_db, "cal", "+393331234568")
    ivy = await _customer(clean_db, "ivy", INVALID_NUMBER)
    zed = await _customer(clean_db, "zed", "+393331234569", email=False, sms=False)
    fake.fail_for("+393331234568", 429, 20429)  # Twilio says: too many requests, for Cal
    queued = {
        "email": await _queue(clean_db, "e", Channel.EMAIL, "ann@example.com", ann),
        "sms": await _queue(clean_db, "s", Channel.SMS, "+393331234567", ann),
        "invalid": await _queue(clean_db, "i", Channel.SMS, INVALID_NUMBER, ivy),
        "stop": await _queue(clean_db, "u", Channel.SMS, UNSUBSCRIBED_NUMBER, bob),
        "busy": await _queue(clean_db, "b", Channel.SMS, "+393331234568", cal),
        "no consent": await _queue(clean_db, "n", Channel.EMAIL, "zed@example.com", zed),
        "notice": await _queue(clean_db, "m", Channel.EMAIL, "manager@shop.example", None),
    }
    # When one batch sends them all
    before = datetime.now(UTC)
    result = await deliver_batch(UnitOfWork(clean_db), list(queued.values()), channels)
    # Then each one's outcome is the one a single send records
    statuses = {name: await _status(clean_db, i) for name, i in queued.items()}
    assert statuses == {
        "email": (Status.SENT, None, 1),
        "sms": (Status.SENT, None, 1),
        "invalid": (Status.FAILED, "21211", 1),
        "stop": (Status.FAILED, "21610", 1),
        "busy": (Status.QUEUED, None, 1),
        "no consent": (Status.SUPPRESSED, "NO_CONSENT", 1),
        "notice": (Status.SENT, None, 1),
    }
    assert {name: result[i].status for name, i in queued.items()} == {
        name: status for name, (status, _, _) in statuses.items()
    }
    retry_at = result[queued["busy"]].retry_at
    assert retry_at is not None and before + timedelta(seconds=5) <= retry_at
    assert retry_at <= datetime.now(UTC) + timedelta(seconds=10)
    busy = await get_message(UnitOfWork(clean_db), queued["busy"])
    assert busy is not None and busy.handed_at is None and "429" in (busy.last_error or "")
    # And what the providers took is what was recorded as sent
    sent_email = await get_message(UnitOfWork(clean_db), queued["email"])
    sent_sms = await get_message(UnitOfWork(clean_db), queued["sms"])
    assert sent_email is not None and sent_sms is not None
    assert sorted(m["To"] for m in inbox.messages) == ["ann@example.com", "manager@shop.example"]
    assert sent_email.provider_id in {m["Message-ID"] for m in inbox.messages}
    assert [m.sid for m in fake.sent] == [sent_sms.provider_id]
    # And Twilio's 21610 withdrew Bob's SMS consent, as a STOP would, and nobody else's
    bob_consent = await current_consent(UnitOfWork(clean_db), bob)
    ann_consent = await current_consent(UnitOfWork(clean_db), ann)
    assert bob_consent is not None and bob_consent[ConsentChannel.SMS] is False
    assert ann_consent is not None and ann_consent[ConsentChannel.SMS] is True
    async with UnitOfWork(clean_db) as uow:
        [change] = (await consent_histories(uow, [bob], 1))[bob].items
    assert (change.source.value, change.actor) == ("STOP_KEYWORD", "twilio:21610")


async def test_with_one_channel_unset_its_messages_are_captured_beside_the_others_sent(
    clean_db: AsyncEngine, live: Live
) -> None:
    email_only = Channels(live[0].email, None, "loyalty@shop.example")
    ann = await _customer(clean_db, "ann", "+393331234567")
    email = await _queue(clean_db, "e", Channel.EMAIL, "ann@example.com", ann)
    sms = await _queue(clean_db, "s", Channel.SMS, "+393331234567", ann)
    result = await deliver_batch(UnitOfWork(clean_db), [email, sms], email_only)
    assert (result[email].status, result[sms].status) == (Status.SENT, Status.CAPTURED)
    assert await _status(clean_db, sms) == (Status.CAPTURED, "SANDBOX", 1)
    assert live[3].sent == []


async def test_a_batch_takes_the_same_statements_whatever_its_size(
    database_url: str, live: Live
) -> None:
    channels = live[0]
    async with counting_engine(database_url) as (engine, trips):
        ann = await _customer(engine, "ann", PHONE)
        warm_up = await _queue(engine, "w", Channel.SMS, PHONE, ann)
        await deliver_batch(UnitOfWork(engine), [warm_up], channels)  # statements prepared
        for size in (1, 40):
            ids = [
                await _queue(engine, f"k{size}-{n}", channel, to, ann)
                for n in range(size)
                for channel, to in [(Channel.EMAIL, "ann@example.com"), (Channel.SMS, PHONE)]
            ]
            trips.reset()
            result = await deliver_batch(UnitOfWork(engine), ids, channels)
            assert {d.status for d in result.values()} == {Status.SENT}
            # the claim (BEGIN, UPDATE, COMMIT: deferrals would be decided inside), the
            # consent read (BEGIN, SELECT, ROLLBACK), the hand-over (BEGIN, UPDATE, COMMIT),
            # the outcomes (one statement)
            assert trips.count == 10, trips.describe()


async def test_a_message_in_many_concurrent_batches_is_sent_once(
    clean_db: AsyncEngine, live: Live
) -> None:
    channels, inbox, _, _ = live
    rng = random.Random(9)
    for round_ in range(3):  # claims racing hand-overs and outcomes: no wait, no deadlock
        to = [f"c{round_}-{n}@example.com" for n in range(60)]
        # (a customer each: a message goes to its customer's address)
        ids = [await _queue(clean_db, f"m{round_}-{n}", Channel.EMAIL, address,
                            await _customer(clean_db, f"c{round_}-{n}", f"+3933300{n:05d}"))
               for n, address in enumerate(to)]  # fmt: skip
        # When 30 batches race, each holding a random half of the messages (all covered)
        batches = [rng.sample(ids, 30) for _ in range(29)] + [ids]
        results = await asyncio.gather(
            *(deliver_batch(UnitOfWork(clean_db), batch, channels) for batch in batches)
        )
        # Then each message was sent by exactly one batch, once
        sent_by = [i for result in results for i, d in result.items() if d.status is Status.SENT]
        assert sorted(sent_by) == sorted(ids)
        assert sorted(m["To"] for m in inbox.messages[-60:]) == sorted(to)
        assert {await _status(clean_db, i) for i in ids} == {(Status.SENT, None, 1)}
    assert len(inbox.messages) == 180


async def test_a_dropped_smtp_connection_is_opened_again_within_a_batch(
    clean_db: AsyncEngine, live: Live
) -> None:
    channels, inbox, server, _ = live
    ann = await _customer(clean_db, "ann", "+393331234567")
    first = [await _queue(clean_db, f"a{n}", Channel.EMAIL, "ann@example.com", ann)
             for n in range(10)]  # fmt: skip
    assert {d.status for d in (await deliver_batch(UnitOfWork(clean_db), first, channels))
            .values()} == {Status.SENT}  # fmt: skip
    assert inbox.connections == 2  # the pool's two connections, kept open
    server.restart()  # the server drops them
    again = [await _queue(clean_db, f"b{n}", Channel.EMAIL, "ann@example.com", ann)
             for n in range(10)]  # fmt: skip
    result = await deliver_batch(UnitOfWork(clean_db), again, channels)
    assert {d.status for d in result.values()} == {Status.SENT}
    assert inbox.connections == 4 and len(inbox.messages) == 20


async def test_held_back_marketing_is_deferred_in_the_claim_and_sent_at_its_time(
    clean_db: AsyncEngine, live: Live
) -> None:
    channels, inbox, _, _ = live
    ann = await _customer(clean_db, "ann", "+393331234567")
    promo = await _queue(clean_db, "p", Channel.EMAIL, "ann@example.com", ann, Purpose.MARKETING)
    voucher = await _queue(clean_db, "v", Channel.EMAIL, "ann@example.com", ann)
    until = datetime.now(UTC) + timedelta(hours=8)
    shown: list[tuple[int, Status]] = []

    async def quiet_hours(
        uow: UnitOfWork, claimed: Sequence[Message], now: datetime
    ) -> dict[int, Deferral]:
        shown.extend((m.id, m.status) for m in claimed)
        return {m.id: Deferral(until, DeferralReason.QUIET_HOURS) for m in claimed
                if m.purpose is Purpose.MARKETING}  # fmt: skip

    result = await deliver_batch(UnitOfWork(clean_db), [promo, voucher], channels,
                                 defer=quiet_hours)  # fmt: skip
    # Then the rule saw both claimed; the promotion waits (its attempt given back), the
    # voucher went
    assert sorted(shown) == [(promo, Status.SENDING), (voucher, Status.SENDING)]
    assert result == {promo: Delivery(Status.DEFERRED, until), voucher: Delivery(Status.SENT)}
    assert await _status(clean_db, promo) == (Status.DEFERRED, "QUIET_HOURS", 0)
    assert [m["Subject"] for m in inbox.messages] == ["Hello v"]
    # Not due yet, nobody claims it
    assert (await deliver_batch(UnitOfWork(clean_db), [promo], channels))[promo].status is None
    # When its time comes, the promotion is sent
    async with clean_db.begin() as conn:
        await conn.execute(update(messages).where(messages.c.id == promo).values(not_before=None))
    again = await deliver_batch(UnitOfWork(clean_db), [promo], channels)
    assert again[promo].status is Status.SENT
    assert await _status(clean_db, promo) == (Status.SENT, None, 1)


async def test_a_settlement_records_nothing_for_a_message_whose_claim_was_lost(
    clean_db: AsyncEngine,
) -> None:
    ann = await _customer(clean_db, "ann", "+393331234567")
    kept = await _queue(clean_db, "k", Channel.EMAIL, "ann@example.com", ann)
    lost = await _queue(clean_db, "l", Channel.EMAIL, "ann@example.com", ann)
    # Given a sender that claimed both, and hung; recovery queued `lost` again and another
    # sender claimed it
    first, second = await run(UnitOfWork(clean_db), ClaimBatch([kept, lost]))
    await _requeue(clean_db, lost)
    assert await run(UnitOfWork(clean_db), Claim(lost)) is not None
    # When the first sender records its hand-overs, then its outcomes
    handed = await run(
        UnitOfWork(clean_db), HandOverBatch([handed_over(first), handed_over(second)])
    )
    sent = finished(first, Status.SENT, provider_id="<a@x>")
    done = await run(
        UnitOfWork(clean_db), Settle([sent, finished(second, Status.SENT, provider_id="<b@x>")])
    )
    # Then only the message it still holds is recorded
    assert (handed, done) == ({kept}, {kept})
    assert await _status(clean_db, kept) == (Status.SENT, None, 1)
    later = await get_message(UnitOfWork(clean_db), lost)
    assert later is not None and (later.status, later.attempts) == (Status.SENDING, 2)
    assert later.handed_at is None and later.provider_id is None


async def _requeue(engine: AsyncEngine, message_id: int) -> None:
    """What recovery does to a message claimed long ago and never handed over."""
    async with engine.begin() as conn:
        await conn.execute(
            update(messages)
            .where(messages.c.id == message_id, messages.c.status == "SENDING")
            .values(status="QUEUED")
        )


def test_messages_due_again_in_the_same_second_are_sent_again_together() -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    later = now + timedelta(seconds=7.2)
    deliveries = {
        1: Delivery(Status.QUEUED, later),
        2: Delivery(Status.SENT),
        3: Delivery(Status.QUEUED, later + timedelta(milliseconds=500)),
        4: Delivery(Status.DEFERRED, now + timedelta(hours=8)),
        5: Delivery(Status.QUEUED, now - timedelta(seconds=1)),  # due already
        6: Delivery(Status.QUEUED, later),
        7: Delivery(Status.QUEUED, later),
    }
    assert due_again(deliveries, now, batch=3) == [
        (0, [5]),
        (8_000, [1, 3, 6]),
        (8_000, [7]),
        (8 * 3600 * 1000, [4]),
    ]
