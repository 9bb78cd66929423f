"""Given Twilio's official client pointed at a fake of the Messages API on loopback, when the
SMS channel sends, then Twilio receives what was asked (sender, body, media, callback) with
the account's credentials, and each of Twilio's answers becomes the right outcome."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from notifications.channels.outcomes import Accepted, Permanent, Transient
from notifications.channels.sms import TextMessage, TwilioConfig, TwilioSender
from tests.support.fake_twilio import (
    INVALID_NUMBER,
    UNROUTABLE_NUMBER,
    UNSUBSCRIBED_NUMBER,
    FakeTwilio,
    fake_twilio,
)
from tests.support.serving import free_port

ANN = "+393331234567"
CALLBACK = "https://loyalty.example.com/webhooks/twilio/status"


@pytest.fixture
async def twilio() -> AsyncIterator[tuple[FakeTwilio, TwilioConfig]]:
    async with fake_twilio() as (fake, url):
        config = TwilioConfig(
            account_sid=fake.account_sid,
            auth_token=fake.auth_token,
            from_number="+15551230000",
            api_url=url,
            status_callback_url=CALLBACK,
        )
        yield fake, config


async def _send(config: TwilioConfig, message: TextMessage) -> object:
    sender = TwilioSender(config)
    try:
        return await sender.send(message)
    finally:
        await sender.close()


async def test_an_sms_reaches_twilio_with_its_sender_body_and_callback(
    twilio: tuple[FakeTwilio, TwilioConfig],
) -> None:
    fake, config = twilio
    outcome = await _send(config, TextMessage(ANN, "You have 1.250 points"))
    assert isinstance(outcome, Accepted)
    [sent] = fake.sent
    assert outcome.provider_id == sent.sid and sent.sid.startswith("SM")
    assert (sent.to, sent.body, sent.from_number) == (
        ANN,
        "You have 1.250 points",
        config.from_number,
    )
    assert sent.status_callback == CALLBACK
    assert sent.messaging_service_sid is None and sent.media_urls == []


async def test_an_mms_carries_its_media_and_a_messaging_service_picks_the_sender(
    twilio: tuple[FakeTwilio, TwilioConfig],
) -> None:
    fake, config = twilio
    service = replace(config, from_number=None, messaging_service_sid="MG" + "1" * 32)
    media = ["https://cdn.example.com/a.png", "https://cdn.example.com/b.jpg"]
    outcome = await _send(service, TextMessage(ANN, "Your voucher", media))
    assert isinstance(outcome, Accepted)
    [sent] = fake.sent
    assert sent.messaging_service_sid == service.messaging_service_sid
    assert sent.from_number is None
    assert sent.media_urls == media


async def test_wrong_credentials_are_a_permanent_failure(
    twilio: tuple[FakeTwilio, TwilioConfig],
) -> None:
    fake, config = twilio
    outcome = await _send(replace(config, auth_token="wrong"), TextMessage(ANN, "x"))
    assert isinstance(outcome, Permanent) and outcome.code == "20003"
    assert fake.sent == []


@pytest.mark.parametrize(
    ("to", "code", "withdrawn"),
    [(INVALID_NUMBER, "21211", False), (UNROUTABLE_NUMBER, "21612", False),
     (UNSUBSCRIBED_NUMBER, "21610", True)],
)  # fmt: skip
async def test_twilios_refusals_are_permanent_and_21610_withdraws_consent(
    twilio: tuple[FakeTwilio, TwilioConfig], to: str, code: str, withdrawn: bool
) -> None:
    _, config = twilio
    outcome = await _send(config, TextMessage(to, "x"))
    assert isinstance(outcome, Permanent)
    assert (outcome.code, outcome.consent_withdrawn) == (code, withdrawn)


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_throttling_and_server_errors_are_transient(
    twilio: tuple[FakeTwilio, TwilioConfig], status: int
) -> None:
    fake, config = twilio
    fake.fail_next(status, 20429 if status == 429 else None)
    sender = TwilioSender(config)
    try:
        first = await sender.send(TextMessage(ANN, "x"))
        retried = await sender.send(TextMessage(ANN, "x"))
    finally:
        await sender.close()
    assert isinstance(first, Transient)
    assert isinstance(retried, Accepted)
    assert len(fake.sent) == 1


async def test_twilio_unreachable_is_transient() -> None:
    config = TwilioConfig(
        "AC" + "0" * 32, "t", "+15551230000", api_url=f"http://127.0.0.1:{free_port()}"
    )
    outcome = await _send(config, TextMessage(ANN, "x"))
    assert isinstance(outcome, Transient)


def test_twilio_needs_exactly_one_sender() -> None:
    with pytest.raises(ValueError, match="TESSERA_TWILIO_FROM"):
        TwilioConfig("AC1", "t")
    with pytest.raises(ValueError, match="TESSERA_TWILIO_FROM"):
        TwilioConfig("AC1", "t", from_number="+1555", messaging_service_sid="MG1")
