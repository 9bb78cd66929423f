"""Given a rendered email, when it is written out as MIME, then the standard library's own
parser reads back exactly what was rendered (subject, sender, both parts, the unsubscribe
headers), whatever its characters and line lengths, and no value can add a header."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from notifications.channels.mime import build_mime


def _parsed(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")  # the wire's line ends, as a mail reader shows them


def test_both_parts_and_every_header_read_back_as_rendered() -> None:
    built = build_mime(
        sender="Shop <loyalty@shop.example>",
        to="ann@example.com",
        subject="You earned 120 points",
        text="Hi Ann,\nyou earned 120 points.\n",
        html="<p>Hi Ann, you earned <b>120</b> points.</p>",
        unsubscribe_url="https://loyalty.example.com/unsubscribe/abc.def",
    )
    message = _parsed(built.data)
    assert message["From"] == "Shop <loyalty@shop.example>"
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == "You earned 120 points"
    assert message["Message-ID"] == built.message_id
    assert built.message_id.endswith("@shop.example>")
    assert message["Date"] is not None
    assert message["List-Unsubscribe"] == "<https://loyalty.example.com/unsubscribe/abc.def>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert _body(message, "plain") == "Hi Ann,\nyou earned 120 points.\n"
    assert _body(message, "html") == "<p>Hi Ann, you earned <b>120</b> points.</p>"
    assert (built.envelope_from, built.envelope_to) == ("loyalty@shop.example", "ann@example.com")
    assert message.defects == []


def test_non_ascii_subject_names_and_bodies_and_long_lines_survive() -> None:
    subject = "Più punti per te, Zoë: 1.250 punti ti aspettano " + "★" * 40
    text = "Ciao Zoë,\r\nhai 1.250 punti — " + "x" * 300 + "\n.\n= end"
    built = build_mime(
        sender="Caffè Roma <punti@caffe.example>",
        to="zoe@example.com",
        subject=subject,
        text=text,
        html="<p>Ciao <b>Zoë</b></p>" * 50,
        unsubscribe_url=None,
    )
    assert all(len(line) <= 998 for line in built.data.split(b"\r\n"))
    assert all(line.isascii() for line in built.data.split(b"\r\n"))
    message = _parsed(built.data)
    assert message["Subject"] == subject
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Caffè Roma", "punti@caffe.example")
    assert _body(message, "plain") == text.replace("\r\n", "\n")
    assert _body(message, "html") == "<p>Ciao <b>Zoë</b></p>" * 50
    assert message["List-Unsubscribe"] is None


def test_a_long_ascii_subject_is_folded_and_reads_back_whole() -> None:
    subject = "Your points " * 20
    built = build_mime(sender="loyalty@shop.example", to="a@example.com", subject=subject,
                       text="t", html=None, unsubscribe_url=None)  # fmt: skip
    head = built.data.split(b"\r\n\r\n")[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert _parsed(built.data)["Subject"] == subject.strip()


def test_a_text_only_message_is_one_plain_part() -> None:
    built = build_mime(sender="loyalty@shop.example", to="a@example.com", subject="Hi",
                       text="Just text", html=None, unsubscribe_url=None)  # fmt: skip
    message = _parsed(built.data)
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Just text"


def test_line_breaks_in_any_value_add_no_header() -> None:
    built = build_mime(
        sender="Shop <loyalty@shop.example>\r\nBcc: a@evil.example",
        to="ann@example.com\nBcc: b@evil.example",
        subject="Points\r\nBcc: c@evil.example",
        text="t",
        html=None,
        unsubscribe_url="https://x.example/u\r\nBcc: d@evil.example",
    )
    message = _parsed(built.data)
    assert message["Bcc"] is None
    assert message["Subject"] == "Points Bcc: c@evil.example"
    assert len(message.get_all("To") or []) == 1
