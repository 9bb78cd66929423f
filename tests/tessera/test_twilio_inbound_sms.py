"""Given customers with phones, when Twilio posts an SMS they sent to the program's number
(`POST /webhooks/twilio/sms`), then STOP-like keywords withdraw their SMS consent and
START-like ones give it back, recorded with source STOP_KEYWORD; and a request Twilio did
not sign for this URL and account changes nothing and gets 403."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.request_validator import RequestValidator

from domain.customers.services import create_customer
from domain.customers.tables import consent_changes, customers
from domain.uow import UnitOfWork
from tessera.webhooks import TWILIO_SMS_PATH
from tests.support.api import running_server

TOKEN = "twilio-test-auth-token"
PUBLIC = "https://loyalty.example.com"
ANN_PHONE = "+393331234567"


@pytest.fixture
async def twilio_api(database_url: str, clean_db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    settings = {
        "twilio_account_sid": "AC" + "0" * 32,
        "twilio_auth_token": TOKEN,
        "twilio_from": "+15551230000",
        "public_url": PUBLIC,
    }
    async with (
        running_server(database_url, **settings) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        yield http


async def _customer(engine: AsyncEngine, ref: str, phone: str, sms: bool) -> int:
    values = {"external_ref": ref, "phone": phone, "consent_sms": sms}
    created = await create_customer(UnitOfWork(engine), values, None)
    return created.item.id


async def _post(
    http: httpx.AsyncClient,
    body: str,
    url: str = PUBLIC + TWILIO_SMS_PATH,
    signature: str | None = "sign",
) -> httpx.Response:
    form = {"From": ANN_PHONE, "To": "+15551230000", "Body": body, "MessageSid": "SM" + "1" * 32}
    headers = {}
    if signature == "sign":
        signature = RequestValidator(TOKEN).compute_signature(url, form)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return await http.post(TWILIO_SMS_PATH, data=form, headers=headers)


async def _sms_consent(engine: AsyncEngine, customer_id: int) -> bool:
    async with engine.connect() as conn:
        query = select(customers.c.consent_sms).where(customers.c.id == customer_id)
        return bool((await conn.execute(query)).scalar_one())


async def _changes(engine: AsyncEngine) -> list[tuple[int, str, bool, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(
                consent_changes.c.customer_id,
                consent_changes.c.channel,
                consent_changes.c.granted,
                consent_changes.c.source,
                consent_changes.c.actor,
            ).order_by(consent_changes.c.id)
        )
        return [tuple(row) for row in rows]


async def test_stop_withdraws_and_start_restores_the_sms_consent_of_everyone_on_the_number(
    twilio_api: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    ann = await _customer(clean_db, "ann", ANN_PHONE, sms=True)
    ben = await _customer(clean_db, "ben", ANN_PHONE, sms=True)  # the same family phone
    other = await _customer(clean_db, "cid", "+393339999999", sms=True)
    before = len(await _changes(clean_db))

    stopped = await _post(twilio_api, "  stop ")
    assert stopped.status_code == 200
    assert stopped.headers["content-type"].startswith("text/xml")
    assert "<Response/>" in stopped.text
    assert [await _sms_consent(clean_db, c) for c in (ann, ben, other)] == [False, False, True]
    assert (await _changes(clean_db))[before:] == [
        (ann, "SMS", False, "STOP_KEYWORD", f"sms:{ANN_PHONE}"),
        (ben, "SMS", False, "STOP_KEYWORD", f"sms:{ANN_PHONE}"),
    ]

    again = await _post(twilio_api, "STOP")  # Twilio retries; a second STOP writes nothing
    assert again.status_code == 200
    assert len(await _changes(clean_db)) == before + 2

    assert (await _post(twilio_api, "Unstop")).status_code == 200
    assert [await _sms_consent(clean_db, c) for c in (ann, ben)] == [True, True]
    assert len(await _changes(clean_db)) == before + 4


@pytest.mark.parametrize("body", ["please stop", "Thanks!", "", "STOP STOP"])
async def test_a_message_that_is_no_keyword_changes_nothing(
    twilio_api: httpx.AsyncClient, clean_db: AsyncEngine, body: str
) -> None:
    ann = await _customer(clean_db, f"ann-{len(body)}", ANN_PHONE, sms=True)
    before = await _changes(clean_db)
    response = await _post(twilio_api, body)
    assert response.status_code == 200
    assert await _sms_consent(clean_db, ann) is True
    assert await _changes(clean_db) == before


@pytest.mark.parametrize(
    ("signature", "url"),
    [
        (None, PUBLIC + TWILIO_SMS_PATH),  # no header
        ("bm90IGEgc2lnbmF0dXJl", PUBLIC + TWILIO_SMS_PATH),  # a wrong one
        ("sign", PUBLIC + "/webhooks/twilio/status"),  # signed for another URL
        ("sign", "https://evil.example.com" + TWILIO_SMS_PATH),  # for another host
    ],
)
async def test_a_request_not_signed_by_twilio_for_this_url_is_refused(
    twilio_api: httpx.AsyncClient, clean_db: AsyncEngine, signature: str | None, url: str
) -> None:
    ann = await _customer(clean_db, f"ann-{url[-6:]}-{signature is None}", ANN_PHONE, sms=True)
    before = await _changes(clean_db)
    response = await _post(twilio_api, "STOP", url=url, signature=signature)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _sms_consent(clean_db, ann) is True
    assert await _changes(clean_db) == before


async def test_without_twilio_settings_the_webhook_refuses_everything(
    database_url: str, clean_db: AsyncEngine
) -> None:
    async with (
        running_server(database_url) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        response = await http.post(TWILIO_SMS_PATH, data={"From": ANN_PHONE, "Body": "STOP"})
    assert response.status_code == 403
