"""Given messages Twilio took, when Twilio posts their status callbacks
(`POST /webhooks/twilio/status`, signed), then the delivery log follows: delivered,
undelivered or failed with Twilio's error code; reports in any order or repeated never move
a message back; a report whose URL names a message the log holds no SID for (UNCERTAIN)
settles it; unsigned reports change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.request_validator import RequestValidator

from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, NewMessage, Purpose, Status
from notifications.delivery.queueing import queue_message
from notifications.delivery.sending import get_message
from notifications.delivery.tables import messages
from tessera.webhooks import TWILIO_STATUS_PATH
from tests.support.api import running_server

TOKEN = "twilio-test-auth-token"
PUBLIC = "https://loyalty.example.com"


@pytest.fixture
async def twilio_api(database_url: str, clean_db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    settings = {"twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": TOKEN,
                "twilio_from": "+15551230000", "public_url": PUBLIC}  # fmt: skip
    async with (
        running_server(database_url, **settings) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        yield http


async def _sent(engine: AsyncEngine, sid: str) -> int:
    new = NewMessage(f"key-{sid}", Channel.SMS, Purpose.MARKETING, "+393331234567", {"text": "x"})
    message_id = (await queue_message(UnitOfWork(engine), new)).message.id
    async with engine.begin() as conn:
        await conn.execute(
            update(messages)
            .where(messages.c.id == message_id)
            .values(status="SENT", provider_id=sid, attempts=1)
        )
    return message_id


async def _report(
    http: httpx.AsyncClient,
    sid: str,
    status: str,
    code: str | None = None,
    sign: bool = True,
    query: str = "",
) -> httpx.Response:
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
    if code is not None:
        form["ErrorCode"] = code
    headers = {}
    path = TWILIO_STATUS_PATH + query
    if sign:  # Twilio signs the whole URL it posts to, its query included
        headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(
            PUBLIC + path, form
        )
    return await http.post(path, data=form, headers=headers)


async def _status(engine: AsyncEngine, message_id: int) -> tuple[Status, str | None]:
    message = await get_message(UnitOfWork(engine), message_id)
    assert message is not None
    return message.status, message.status_reason


async def test_delivered_and_failed_reports_settle_the_message_and_never_move_it_back(
    twilio_api: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    delivered = await _sent(clean_db, "SM1")
    failed = await _sent(clean_db, "SM2")
    for sid, status, code in [("SM1", "sent", None), ("SM1", "delivered", None),
                              ("SM1", "sent", None), ("SM2", "undelivered", "30003"),
                              ("SM2", "delivered", None), ("SM9", "delivered", None)]:  # fmt: skip
        assert (await _report(twilio_api, sid, status, code)).status_code == 204
    assert await _status(clean_db, delivered) == (Status.DELIVERED, None)
    assert await _status(clean_db, failed) == (Status.FAILED, "30003")


async def test_an_unsigned_report_changes_nothing(
    twilio_api: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    message_id = await _sent(clean_db, "SM3")
    response = await _report(twilio_api, "SM3", "failed", "30006", sign=False)
    assert response.status_code == 403
    assert await _status(clean_db, message_id) == (Status.SENT, None)


async def test_a_report_naming_the_message_settles_one_whose_sid_was_never_recorded(
    twilio_api: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    # A sender died after Twilio took the SMS: the log has no SID, the message UNCERTAIN
    message_id = await _sent(clean_db, "unused")
    async with clean_db.begin() as conn:
        await conn.execute(
            update(messages)
            .where(messages.c.id == message_id)
            .values(status="UNCERTAIN", provider_id=None)
        )
    query = f"?message={message_id}"
    assert (await _report(twilio_api, "SM7", "delivered", query=query)).status_code == 204
    assert await _status(clean_db, message_id) == (Status.DELIVERED, None)
    message = await get_message(UnitOfWork(clean_db), message_id)
    assert message is not None and message.provider_id == "SM7"
    # The query is signed: the same report with another message's id is refused
    other = await _sent(clean_db, "SM8")
    forged = await _report(
        twilio_api, "SM7", "failed", "30006", sign=False, query=f"?message={other}"
    )
    assert forged.status_code == 403
    assert await _status(clean_db, other) == (Status.SENT, None)
