"""sendTestMessage over HTTP, on real PostgreSQL: a marketer tries a template on their own
address or phone. Given no channel configured, the test message is CAPTURED at once; given
SMTP or Twilio and a broker, a real worker sends it through aiosmtpd or the real twilio
client against the fake Twilio. Either way it is a TRANSACTIONAL message with no customer,
shown in the delivery log as a test, sent once per idempotency key, and refused with typed
user errors (unknown template, wrong kind of address, bad locale, a template failing to
render with its line and column), to roles without MANAGE_NOTIFICATIONS, and past the rate
limit per staff token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, customer_token, error_codes, running_server
from tests.support.fake_twilio import fake_twilio
from tests.support.loyalty import CREATE_CUSTOMER, CREDIT
from tests.support.smtp_server import smtp_server
from tests.tessera.test_worker import actors, run_worker_until_idle

__all__ = ["actors"]  # the fixture, used by name

MESSAGE = """id isTest customerId channel purpose recipient templateId templateVersion subject
  text html mediaUrls status statusReason providerId attempts"""
SEND = f"""mutation($input: SendTestMessageInput!) {{
  sendTestMessage(input: $input) {{
    message {{ {MESSAGE} }} replayed
    problems {{ field code message line column }}
    userErrors {{ field code message }} }} }}"""
LOG = f"""query($filter: MessageFilter) {{
  messages(first: 20, filter: $filter) {{ nodes {{ {MESSAGE} }} }} }}"""
CREATE = """mutation($input: CreateMessageTemplateInput!) {
  createMessageTemplate(input: $input) { template { id } userErrors { field message } } }"""

POINTS_EMAIL: dict[str, Any] = {
    "name": "Points earned",
    "channel": "EMAIL",
    "purpose": "TRANSACTIONAL",
    "fallbackLocale": "en-US",
    "translations": [
        {
            "locale": "en-US",
            "subject": "Hi [first_name], you earned [points_earned] points",
            "htmlBody": "<p>You have <b>[points]</b> points</p>",
            "textBody": "You have [points] points.\nUnsubscribe: [unsubscribe_link]",
        },
        {
            "locale": "it-IT",
            "subject": "Ciao [first_name], hai guadagnato [points_earned] punti",
            "htmlBody": "<p>Hai <b>[points]</b> punti</p>",
            "textBody": "Hai [points] punti.",
        },
    ],
}
VOUCHER_SMS: dict[str, Any] = {
    "name": "Voucher issued",
    "channel": "SMS",
    "purpose": "TRANSACTIONAL",
    "fallbackLocale": "en-US",
    "translations": [{"locale": "en-US", "text": "[first_name], your code: [voucher_code]"}],
}
MY_PHONE = "+39 333 765 4321"
MY_PHONE_E164 = "+393337654321"


async def template(gql: GraphQLClient, values: dict[str, Any]) -> str:
    created = await gql.data(CREATE, {"input": {**values, "idempotencyKey": uuid4().hex}})
    payload = created["createMessageTemplate"]
    assert payload["userErrors"] == []
    template_id: str = payload["template"]["id"]
    return template_id


async def send(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    values = {"idempotencyKey": uuid4().hex, **fields}
    payload: dict[str, Any] = (await gql.data(SEND, {"input": values}))["sendTestMessage"]
    return payload


async def message_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM messages"))).scalar_one())


async def test_without_channels_a_test_email_is_captured_at_once_and_logged_as_a_test(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    tid = await template(marketer, POINTS_EMAIL)
    # When the marketer sends it to herself, without a customer
    sent = await send(marketer, templateId=tid, to="marketer@shop.example")
    # Then the sandbox captured it, rendered for the sample customer and the sample event
    assert sent["userErrors"] == [] and sent["problems"] == [] and sent["replayed"] is False
    message = sent["message"]
    assert (message["status"], message["statusReason"]) == ("CAPTURED", "SANDBOX")
    assert (message["isTest"], message["customerId"], message["purpose"]) == (
        True,
        None,
        "TRANSACTIONAL",
    )
    assert (message["recipient"], message["templateId"], message["templateVersion"]) == (
        "marketer@shop.example",
        tid,
        1,
    )
    assert message["subject"] == "Hi Ann, you earned 120 points"
    assert message["html"] == "<p>You have <b>1,234</b> points</p>"
    # The unsubscribe link is a sample: clicking it unsubscribes nobody
    assert message["text"] == "You have 1,234 points.\nUnsubscribe: https://example.com/unsubscribe"
    # And the delivery log shows it as a test, and tells tests from the others
    tests = (await gql.data(LOG, {"filter": {"isTest": True}}))["messages"]["nodes"]
    assert [m["id"] for m in tests] == [message["id"]] and tests[0]["isTest"] is True
    others = (await gql.data(LOG, {"filter": {"isTest": False}}))["messages"]["nodes"]
    assert others == []


async def test_with_a_customer_the_test_message_shows_their_facts_in_their_language(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    tid = await template(marketer, POINTS_EMAIL)
    fields = {"firstName": "Giulia", "locale": "it-IT", "email": "giulia@example.com",
              "consentEmail": False, "idempotencyKey": uuid4().hex}  # fmt: skip
    giulia = (await gql.data(CREATE_CUSTOMER, {"input": fields}))["createCustomer"]["customer"]
    await gql.data(CREDIT, {"id": giulia["id"], "points": 2500, "key": uuid4().hex})
    # When the marketer tries it with Giulia, who gave no consent to email
    sent = await send(marketer, templateId=tid, to="marketer@shop.example", customerId=giulia["id"])
    # Then it is in Italian with her name and points (the event's facts are samples), sent to
    # the marketer (not to Giulia, whose consent does not apply)
    message = sent["message"]
    assert message["subject"] == "Ciao Giulia, hai guadagnato 120 punti"
    assert message["text"] == "Hai 2.500 punti."
    assert (message["recipient"], message["customerId"], message["status"]) == (
        "marketer@shop.example",
        None,
        "CAPTURED",
    )
    # And a locale asked for wins over hers (numbers formatted for it)
    english = await send(
        marketer, templateId=tid, to="marketer@shop.example", customerId=giulia["id"],
        locale="en-GB",
    )  # fmt: skip
    assert english["message"]["subject"] == "Hi Giulia, you earned 120 points"
    assert english["message"]["html"] == "<p>You have <b>2,500</b> points</p>"


async def test_the_same_key_sends_one_message_however_often_and_concurrently(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    marketer = gql.as_(tokens["marketer"])
    tid = await template(marketer, VOUCHER_SMS)
    request = {"templateId": tid, "to": MY_PHONE, "idempotencyKey": "try-1"}
    # When 30 requests with one key race
    sent = await asyncio.gather(*(send(marketer, **request) for _ in range(30)))
    # Then one message was made, and every answer is that message
    assert {s["message"]["id"] for s in sent} == {sent[0]["message"]["id"]}
    assert sorted(s["replayed"] for s in sent) == [False] + [True] * 29
    assert await message_rows(clean_db) == 1
    assert sent[0]["message"]["recipient"] == MY_PHONE_E164
    assert sent[0]["message"]["text"] == "Ann, your code: TEST-CODE"
    # And the key used for another recipient is a conflict; another caller's key is its own
    other = await send(marketer, **{**request, "to": "+39 333 000 1111"})
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_CONFLICT")
    ]
    manager = await send(gql.as_(tokens["manager"]), **request)
    assert manager["replayed"] is False
    assert manager["message"]["id"] != sent[0]["message"]["id"]


async def test_an_mms_test_message_carries_its_media_to_the_phone_given(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    mms = {"locale": "en-US", "text": "[points] points!", "mediaUrls": ["https://x.example/a.png"]}
    tid = await template(marketer, {**VOUCHER_SMS, "name": "Card", "channel": "MMS",
                                    "translations": [mms]})  # fmt: skip
    sent = (await send(marketer, templateId=tid, to="0039 333 765 4321"))["message"]
    assert (sent["channel"], sent["recipient"], sent["status"]) == (
        "MMS",
        MY_PHONE_E164,
        "CAPTURED",
    )
    assert (sent["text"], sent["mediaUrls"]) == ("1,234 points!", ["https://x.example/a.png"])
    # An address of the wrong kind names the channel
    wrong = await send(marketer, templateId=tid, to="me@shop.example")
    assert wrong["userErrors"][0]["message"].startswith("An MMS template is sent to a phone")


def errors(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_bad_requests_are_user_errors_naming_the_field_and_write_nothing(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    marketer = gql.as_(tokens["marketer"])
    email = await template(marketer, POINTS_EMAIL)
    sms = await template(marketer, VOUCHER_SMS)
    to = "marketer@shop.example"
    refused: dict[tuple[str, str], dict[str, Any]] = {
        ("templateId", "NOT_FOUND"): {"templateId": "999999", "to": to},
        ("templateId", "INVALID"): {"templateId": "x", "to": to},
        ("version", "NOT_FOUND"): {"templateId": email, "to": to, "version": 7},
        ("customerId", "NOT_FOUND"): {"templateId": email, "to": to, "customerId": "999999"},
        ("locale", "INVALID"): {"templateId": email, "to": to, "locale": "no such locale"},
        ("idempotencyKey", "REQUIRED"): {"templateId": email, "to": to, "idempotencyKey": " "},
        ("to", "REQUIRED"): {"templateId": email, "to": ""},
    }
    wrong_address = {
        "a phone for an email": (email, MY_PHONE),
        "an email for an SMS": (sms, to),
        "a bad address": (email, "marketer@shop"),
        "two addresses": (email, "a@shop.example,b@shop.example"),
        "a header": (email, "a@shop.example\nBcc: b@shop.example"),
        "a bad number": (sms, "+39 12"),
        "a national number": (sms, "333 765 4321"),
    }
    for (field, code), request in refused.items():
        assert errors(await send(marketer, **request)) == [(field, code)], request
    # Version 0 never exists (versions start at 1): it is not the current version either
    version_0 = await send(marketer, templateId=email, to=to, version=0)
    assert errors(version_0) == [("version", "NOT_FOUND")]
    for why, (tid, address) in wrong_address.items():
        payload = await send(marketer, templateId=tid, to=address)
        assert errors(payload) == [("to", "INVALID")], why
        assert payload["message"] is None
    wrong_kind = await send(marketer, templateId=email, to=MY_PHONE)
    assert "email address" in wrong_kind["userErrors"][0]["message"]
    assert await message_rows(clean_db) == 0


async def test_a_template_failing_to_render_names_its_line_and_column_and_sends_nothing(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    marketer = gql.as_(tokens["marketer"])
    text_part = {"locale": "en-US", "text": "Hi [first_name]\nYour badge: [badge]"}
    tid = await template(marketer, {**VOUCHER_SMS, "name": "Badge", "translations": [text_part]})
    fields = {"firstName": "Bob", "idempotencyKey": uuid4().hex}
    bob = (await gql.data(CREATE_CUSTOMER, {"input": fields}))["createCustomer"]["customer"]
    # When it is tried with Bob, who has no badge
    payload = await send(marketer, templateId=tid, to=MY_PHONE, customerId=bob["id"])
    # Then the problem is given as the preview gives it, and as a user error; nothing is sent
    (problem,) = payload["problems"]
    assert (problem["field"], problem["code"], problem["line"]) == (
        "translations.en-US.text",
        "UNDEFINED",
        2,
    )
    assert errors(payload) == [("translations.en-US.text", "INVALID")]
    assert payload["userErrors"][0]["message"].startswith("Line 2")
    assert payload["message"] is None
    assert await message_rows(clean_db) == 0
    # While the sample customer (with a badge) renders it
    sample = await send(marketer, templateId=tid, to=MY_PHONE)
    assert sample["message"]["text"] == "Hi Ann\nYour badge: Regular"


async def test_only_notification_managers_may_send_test_messages(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    tid = await template(gql, POINTS_EMAIL)
    request = {"templateId": tid, "to": "x@shop.example", "idempotencyKey": "k"}
    for role in ("cashier", "viewer"):
        body = await gql.post(SEND, {"input": request}, token=tokens[role])
        assert error_codes(body) == ["FORBIDDEN"], role
    body = await gql.post(SEND, {"input": request}, token=customer_token("ann"))
    assert error_codes(body) == ["FORBIDDEN"]
    assert await message_rows(clean_db) == 0
    for role in ("admin", "manager", "marketer"):
        assert (await send(gql.as_(tokens[role]), **request))["userErrors"] == [], role


async def test_test_messages_are_limited_per_staff_token(
    database_url: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    async with (
        running_server(database_url, rate_limit_test_messages="2/minute") as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        marketer = GraphQLClient(http, tokens["marketer"])
        tid = await template(marketer, POINTS_EMAIL)
        for _ in range(2):
            assert (await send(marketer, templateId=tid, to="a@shop.example"))["message"]
        # When the marketer's token sends a third within the minute
        response = await http.post(
            "/graphql",
            json={"query": SEND, "variables": {"input": {"templateId": tid, "to": "a@shop.example",
                                                         "idempotencyKey": "third"}}},
            headers={"Authorization": f"Bearer {tokens['marketer']}"},
        )  # fmt: skip
        # Then it is refused (429, Retry-After) and nothing is made; another token may send
        assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
        assert error_codes(response.json()) == ["RATE_LIMITED"]
        assert await message_rows(clean_db) == 2
        admin = GraphQLClient(http, tokens["admin"])
        assert (await send(admin, templateId=tid, to="a@shop.example"))["message"]


@pytest.fixture
async def live_server(
    actors: ModuleType,
    database_url: str,
    broker_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[str, Any, Any]]:
    """An API and a worker's environment with SMTP (aiosmtpd) and Twilio (the fake) set:
    the server's URL, the inbox and the fake Twilio."""
    async with fake_twilio() as (fake, twilio_url):
        with smtp_server() as (inbox, smtp):
            channels = {
                "smtp_url": f"smtp://127.0.0.1:{smtp.port}",
                "email_from": "loyalty@shop.example",
                "twilio_account_sid": fake.account_sid,
                "twilio_auth_token": fake.auth_token,
                "twilio_from": "+15551230000",
                "twilio_api_url": twilio_url,
            }
            for name, value in channels.items():  # what the worker reads
                monkeypatch.setenv(f"TESSERA_{name.upper()}", value)
            monkeypatch.delenv("TESSERA_PUBLIC_URL", raising=False)
            async with running_server(database_url, broker_url=broker_url, **channels) as url:
                yield url, inbox, fake


async def test_a_worker_sends_a_test_email_through_smtp_once(
    actors: ModuleType,
    live_server: tuple[str, Any, Any],
    tokens: dict[str, str],
    clean_db: AsyncEngine,
) -> None:
    url, inbox, _ = live_server
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        marketer = GraphQLClient(http, tokens["marketer"])
        tid = await template(marketer, POINTS_EMAIL)
        request = {"templateId": tid, "to": "marketer@shop.example", "idempotencyKey": "e-1"}
        # When the marketer sends it: queued for a worker, which sends it
        queued = await send(marketer, **request)
        assert queued["message"]["status"] == "QUEUED"
        message = actors.send_message.message(int(queued["message"]["id"]))
        await asyncio.to_thread(run_worker_until_idle, actors, message)
        # Then the SMTP server got it, addressed to the marketer, with both parts and no
        # unsubscribe header (it reaches no customer)
        (email,) = inbox.messages
        assert inbox.envelopes == [("loyalty@shop.example", ["marketer@shop.example"])]
        assert email["Subject"] == "Hi Ann, you earned 120 points"
        assert email["List-Unsubscribe"] is None
        parts = {p.get_content_type(): p.get_content() for p in email.iter_parts()}
        assert parts["text/html"].strip() == "<p>You have <b>1,234</b> points</p>"
        # And the log has it SENT, with the email's Message-ID, as a test
        (logged,) = (await marketer.data(LOG, {"filter": {"isTest": True}}))["messages"]["nodes"]
        assert (logged["status"], logged["providerId"]) == ("SENT", email["Message-ID"])
        # And replaying the key returns it and sends nothing more
        again = await send(marketer, **request)
        assert (again["replayed"], again["message"]["status"]) == (True, "SENT")
        await asyncio.to_thread(run_worker_until_idle, actors, actors.send_message.message(0))
        assert len(inbox.messages) == 1


async def test_a_worker_sends_a_test_sms_through_twilio(
    actors: ModuleType,
    live_server: tuple[str, Any, Any],
    tokens: dict[str, str],
    clean_db: AsyncEngine,
) -> None:
    url, _, fake = live_server
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        marketer = GraphQLClient(http, tokens["marketer"])
        tid = await template(marketer, VOUCHER_SMS)
        queued = await send(marketer, templateId=tid, to=MY_PHONE)
        assert queued["message"]["status"] == "QUEUED"
        message = actors.send_message.message(int(queued["message"]["id"]))
        await asyncio.to_thread(run_worker_until_idle, actors, message)
        (sms,) = fake.sent
        assert (sms.to, sms.body, sms.from_number) == (
            MY_PHONE_E164,
            "Ann, your code: TEST-CODE",
            "+15551230000",
        )
        (logged,) = (await marketer.data(LOG, {"filter": {"isTest": True}}))["messages"]["nodes"]
        assert (logged["status"], logged["providerId"]) == ("SENT", sms.sid)
