"""Given SMS Twilio took, when Twilio reports their delivery (its status callbacks), then the
delivery log follows, also for a message whose sender stopped before recording Twilio's
answer (UNCERTAIN, no SID in the log): the callback's URL names the log's message id, so the
report finds it and records the SID (docs/channels.md, Twilio's status callbacks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.commands import run
from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from notifications.channels.outcomes import Accepted
from notifications.channels.sms import TwilioConfig, TwilioSender
from notifications.delivery.models import Channel, Message, NewMessage, Purpose, Status
from notifications.delivery.provider_calls import Channels, call_providers
from notifications.delivery.queueing import queue_message
from notifications.delivery.recovery import recover_stuck_messages
from notifications.delivery.sending import Claim, HandOver, get_message
from notifications.delivery.status_reports import message_id_of, report_status
from tests.support.fake_twilio import fake_twilio

ANN_PHONE = "+393331234567"
CALLBACK = "https://loyalty.example/webhooks/twilio/status"


async def _message(engine: AsyncEngine, key: str = "event:1:POINTS_EARNED:SMS") -> int:
    values = {"external_ref": key, "phone": ANN_PHONE, "consent_sms": True}
    ann = (await create_customer(UnitOfWork(engine), values, None)).item.id
    new = NewMessage(key, Channel.SMS, Purpose.MARKETING, ANN_PHONE,
                     {"text": "You earned 120 points"}, customer_id=ann)  # fmt: skip
    return (await queue_message(UnitOfWork(engine), new)).message.id


async def _handed_over_then_sender_dies(engine: AsyncEngine, message_id: int) -> tuple[str, str]:
    """The SMS claimed, handed over and taken by Twilio, its sender stopped before recording
    the answer, and recovery then marking it UNCERTAIN: Twilio's SID and callback URL."""
    claimed = await run(UnitOfWork(engine), Claim(message_id))
    assert claimed is not None and claimed.claimed_at is not None
    assert await run(UnitOfWork(engine), HandOver(message_id, claimed.claimed_at))
    async with fake_twilio() as (fake, url):
        config = TwilioConfig(fake.account_sid, fake.auth_token, "+15551230000", api_url=url,
                              status_callback_url=CALLBACK)  # fmt: skip
        sender = TwilioSender(config)
        try:
            handed: Message = claimed
            outcomes = await call_providers(Channels(text=sender), [handed], 1)
        finally:
            await sender.close()
    outcome = outcomes[message_id]
    assert isinstance(outcome, Accepted)
    [sent] = fake.sent
    assert sent.status_callback is not None
    later = datetime.now(UTC) + timedelta(minutes=10)
    recovered = await recover_stuck_messages(UnitOfWork(engine), now=later)
    assert recovered.uncertain == [message_id]
    return outcome.provider_id, sent.status_callback


async def test_the_status_callback_url_names_the_message(clean_db: AsyncEngine) -> None:
    message_id = await _message(clean_db)
    _, callback = await _handed_over_then_sender_dies(clean_db, message_id)

    parts = urlsplit(callback)
    assert callback.startswith(CALLBACK + "?")
    assert message_id_of(parse_qs(parts.query)["message"][0]) == message_id


async def test_a_status_report_settles_an_uncertain_message_and_records_its_sid(
    clean_db: AsyncEngine,
) -> None:
    # Given an SMS Twilio took whose sender died before recording it: UNCERTAIN, no SID
    message_id = await _message(clean_db)
    sid, callback = await _handed_over_then_sender_dies(clean_db, message_id)
    named = message_id_of(parse_qs(urlsplit(callback).query)["message"][0])
    # When Twilio reports it delivered, to the URL naming the message
    settled = await report_status(UnitOfWork(clean_db), sid, "delivered", None, named)
    # Then the report settles it, and the log learns Twilio's SID
    message = await get_message(UnitOfWork(clean_db), message_id)
    assert message is not None
    assert (settled, message.status, message.provider_id) == (
        Status.DELIVERED,
        Status.DELIVERED,
        sid,
    )
    # And a late report by the SID alone moves it no more
    assert await report_status(UnitOfWork(clean_db), sid, "failed", "30003") is None


async def test_a_message_settled_by_its_id_is_not_settled_again_under_another_sid(
    clean_db: AsyncEngine,
) -> None:
    # Given an UNCERTAIN message settled by a (signed) report naming it: its SID is recorded
    message_id = await _message(clean_db)
    await _handed_over_then_sender_dies(clean_db, message_id)
    settled = await report_status(UnitOfWork(clean_db), "SM-other", "failed", "30003", message_id)
    assert settled is Status.FAILED
    # When a second report names the same id with another SID, then it finds nothing open
    again = await report_status(UnitOfWork(clean_db), "SM-third", "delivered", None, message_id)
    assert again is None
    message = await get_message(UnitOfWork(clean_db), message_id)
    assert message is not None
    assert (message.status, message.provider_id) == (Status.FAILED, "SM-other")


def test_a_message_id_in_a_query_is_digits_only() -> None:
    assert [message_id_of(v) for v in ("42", None, "", "-1", "4 2", "١٢", "9" * 30)] == [
        42, None, None, None, None, None, None
    ]  # fmt: skip
