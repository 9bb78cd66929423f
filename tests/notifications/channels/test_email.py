"""Given a real SMTP server on loopback, when the email channel sends, then what arrives is
the message as rendered (text and HTML, one-click unsubscribe headers), over one kept
connection, and the server's refusals come back as transient or permanent outcomes."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
import subprocess
from pathlib import Path

import pytest

from notifications.channels.email import Email, SmtpConfig, SmtpPool, SmtpSender
from notifications.channels.outcomes import Accepted, Permanent, Transient
from tests.support.serving import free_port
from tests.support.smtp_server import smtp_server

UNSUBSCRIBE = "https://loyalty.example.com/unsubscribe/abc.def"


def _email(to: str = "ann@example.com", subject: str = "You earned 120 points") -> Email:
    return Email(
        to=to,
        sender="Shop <loyalty@shop.example>",
        subject=subject,
        text="Hi Ann, you earned 120 points.",
        html="<p>Hi Ann, you earned <b>120</b> points.</p>",
        unsubscribe_url=UNSUBSCRIBE,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpConfig("mail.example.com", 25)),
        (
            "smtp://user%40shop:p%3Ass@mail.example.com?starttls=true",
            SmtpConfig("mail.example.com", 587, "user@shop", "p:ss", start_tls=True),
        ),
        ("smtps://mail.example.com", SmtpConfig("mail.example.com", 465, use_tls=True)),
        ("smtp://127.0.0.1:2525?timeout=3", SmtpConfig("127.0.0.1", 2525, timeout_s=3.0)),
        ("smtp://127.0.0.1?connections=8", SmtpConfig("127.0.0.1", 25, connections=8)),
    ],
)
def test_the_smtp_url_names_the_server_its_port_credentials_and_tls(
    url: str, expected: SmtpConfig
) -> None:
    assert SmtpConfig.from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtp://mail.example.com?tls=1",
        "smtps://mail.example.com?starttls=true",
        "smtp://mail.example.com:port",
        "smtp://mail.example.com?connections=0",
        "smtp://mail.example.com?connections=many",
    ],
)
def test_a_wrong_smtp_url_is_refused_with_its_reason(url: str) -> None:
    with pytest.raises(ValueError, match="TESSERA_SMTP_URL"):
        SmtpConfig.from_url(url)


async def test_a_message_arrives_with_both_parts_and_one_click_unsubscribe() -> None:
    with smtp_server() as (inbox, controller):
        sender = SmtpSender(SmtpConfig("127.0.0.1", controller.port))
        outcome = await sender.send(_email())
        await sender.close()
    assert isinstance(outcome, Accepted)
    [message] = inbox.messages
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == "You earned 120 points"
    assert message["Message-ID"] == outcome.provider_id
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and "you earned 120 points" in text.get_content()
    assert html is not None and "<b>120</b>" in html.get_content()


async def test_a_subject_with_line_breaks_is_folded_onto_one_line() -> None:
    with smtp_server() as (inbox, controller):
        sender = SmtpSender(SmtpConfig("127.0.0.1", controller.port))
        outcome = await sender.send(_email(subject="Points\r\nBcc: victim@example.com"))
        await sender.close()
    assert isinstance(outcome, Accepted)
    [message] = inbox.messages
    assert message["Subject"] == "Points Bcc: victim@example.com"
    assert message["Bcc"] is None
    assert inbox.envelopes == [("loyalty@shop.example", ["ann@example.com"])]


async def test_messages_share_one_connection_and_a_dropped_one_is_opened_again() -> None:
    with smtp_server() as (inbox, controller):
        sender = SmtpSender(SmtpConfig("127.0.0.1", controller.port))
        first = [await sender.send(_email(to=f"c{i}@example.com")) for i in range(5)]
        assert inbox.connections == 1
        controller.restart()  # the server drops every connection, then comes back
        again = await sender.send(_email(to="after@example.com"))
        await sender.close()
    assert all(isinstance(o, Accepted) for o in [*first, again])
    assert len(inbox.messages) == 6


async def test_a_pool_opens_connections_only_when_messages_wait_and_reopens_dropped_ones() -> None:
    with smtp_server() as (inbox, controller):
        config = dataclasses.replace(SmtpConfig("127.0.0.1", controller.port), connections=3)
        pool = SmtpPool(config)
        # One message at a time keeps to one connection
        for i in range(4):
            assert isinstance(await pool.send(_email(to=f"one{i}@example.com")), Accepted)
        assert inbox.connections == 1
        # Twelve at once spread over the pool's three
        burst = await asyncio.gather(*(pool.send(_email(to=f"b{i}@x.example")) for i in range(12)))
        assert all(isinstance(o, Accepted) for o in burst)
        assert inbox.connections == 3
        # The server drops them all: each is opened again on its next message
        controller.restart()
        again = await asyncio.gather(*(pool.send(_email(to=f"a{i}@x.example")) for i in range(12)))
        await pool.close()
    assert all(isinstance(o, Accepted) for o in again)
    assert inbox.connections == 6
    assert len(inbox.messages) == 28
    assert len({m["Message-ID"] for m in inbox.messages}) == 28


@pytest.mark.parametrize(
    ("reply", "kind", "code"),
    [
        ("450 4.2.1 Mailbox busy, try later", Transient, None),
        ("550 5.1.1 No such user", Permanent, "550"),
    ],
)
async def test_a_refused_recipient_is_transient_for_4xx_and_permanent_for_5xx(
    reply: str, kind: type, code: str | None
) -> None:
    with smtp_server() as (inbox, controller):
        inbox.refuse["nobody@example.com"] = reply
        sender = SmtpSender(SmtpConfig("127.0.0.1", controller.port))
        outcome = await sender.send(_email(to="nobody@example.com"))
        still = await sender.send(_email())
        await sender.close()
    assert isinstance(outcome, kind)
    if isinstance(outcome, Permanent):
        assert outcome.code == code
    assert isinstance(still, Accepted)  # the refusal did not break the sender


async def test_no_server_listening_is_a_transient_failure() -> None:
    sender = SmtpSender(SmtpConfig("127.0.0.1", free_port(), timeout_s=2))
    outcome = await sender.send(_email())
    assert isinstance(outcome, Transient)


async def test_starttls_upgrades_the_connection_before_the_message(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))
    with smtp_server(tls_context=server_tls, require_starttls=True) as (inbox, controller):
        plain = SmtpSender(SmtpConfig("127.0.0.1", controller.port))
        refused = await plain.send(_email())
        await plain.close()
        config = SmtpConfig.from_url(f"smtp://127.0.0.1:{controller.port}?starttls=true")
        secure = SmtpSender(config, tls_context=client_tls)
        outcome = await secure.send(_email())
        await secure.close()
    assert isinstance(refused, Permanent)  # 530: the server requires STARTTLS first
    assert isinstance(outcome, Accepted)
    assert len(inbox.messages) == 1


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key
