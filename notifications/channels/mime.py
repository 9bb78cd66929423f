"""One email as the bytes an SMTP server receives: headers, then the text body and the HTML
body as its alternative (multipart/alternative), each part quoted-printable UTF-8.

Written out directly rather than through `email.message.EmailMessage`: building and
flattening one with the default policy cost about 1.1 ms of CPU per message (its header
objects are parsed and folded again on output), this about 0.05 ms, and a worker sends
thousands a second. The standard library still does what needs care: RFC 2047 encoded
words and folding for a subject (`email.header.Header`), display names (`formataddr`),
dates and Message-IDs, and quoted-printable (`binascii.b2a_qp`, which keeps every line
under 77 characters).

No header value can add a header: every value is put on one line (a rendered subject
with a line break, an address with one), as the SMTP tests check by parsing what
arrives."""

from __future__ import annotations

import binascii
import email.utils
import secrets
from dataclasses import dataclass
from email.header import Header
from functools import lru_cache

# RFC 5322 recommends lines of at most 78 characters; a longer or non-ASCII subject is
# folded into encoded words.
_PLAIN_SUBJECT_MAX = 78 - len("Subject: ")


@dataclass(frozen=True)
class Mime:
    """The message's bytes (CRLF line ends, as SMTP's DATA wants them), its Message-ID and
    the envelope: the sender's and the recipient's bare addresses."""

    data: bytes
    message_id: str
    envelope_from: str
    envelope_to: str


def build_mime(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    unsubscribe_url: str | None,
) -> Mime:
    """The MIME message (see the module's docstring): From, To, Subject, Date, a Message-ID
    on the sender's domain, List-Unsubscribe with List-Unsubscribe-Post for one-click
    unsubscribe (RFC 8058) when there is an unsubscribe URL; the text part, and the HTML
    part as its alternative when there is one."""
    from_header, envelope_from, domain = _sender(sender)
    to_header = _one_line(to)
    message_id = email.utils.make_msgid(domain=domain)
    headers = [
        f"From: {from_header}",
        f"To: {to_header}",
        f"Subject: {_subject(subject)}",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    if unsubscribe_url is not None:
        headers.append(f"List-Unsubscribe: <{_one_line(unsubscribe_url)}>")
        headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    if html is None:
        body = _part("text/plain", text)
    else:
        boundary = "=_tessera_" + secrets.token_hex(12)
        headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        delimiter = b"--" + boundary.encode() + b"\r\n"
        body = (
            b"\r\n"  # the preamble ends: the first boundary follows a line break
            + delimiter
            + _part("text/plain", text)
            + b"\r\n"
            + delimiter
            + _part("text/html", html)
            + b"\r\n--"
            + boundary.encode()
            + b"--\r\n"
        )
    head = "\r\n".join(headers).encode("utf-8") + b"\r\n"
    return Mime(head + body, message_id, envelope_from, _bare_address(to_header))


def _part(content_type: str, content: str) -> bytes:
    """A text part's headers and its body, quoted-printable (ends without a line break)."""
    normalised = content.replace("\r\n", "\n").replace("\r", "\n")
    encoded = binascii.b2a_qp(normalised.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'.encode()
        + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + encoded
    )


def _one_line(value: str) -> str:
    """The value without line breaks (runs of whitespace become one space)."""
    return " ".join(value.split())


def _subject(subject: str) -> str:
    one_line = _one_line(subject)
    if one_line.isascii() and len(one_line) <= _PLAIN_SUBJECT_MAX:
        return one_line
    charset = "us-ascii" if one_line.isascii() else "utf-8"
    return Header(one_line, charset, header_name="Subject").encode(linesep="\r\n")


@lru_cache(maxsize=64)
def _sender(sender: str) -> tuple[str, str, str | None]:
    """The From header for the configured sender ("Shop <loyalty@shop.example>": a display
    name in RFC 2047 words when it is not ASCII), its bare address and its domain (for the
    Message-ID). A worker sends every message from the same sender: computed once."""
    name, address = email.utils.parseaddr(_one_line(sender))
    address = address or _one_line(sender)
    header = email.utils.formataddr((name, address), charset="utf-8") if name else address
    domain = address.rpartition("@")[2].strip("<> ") or None
    return header, address, domain


def _bare_address(to: str) -> str:
    if "<" not in to and "(" not in to and '"' not in to:
        return to  # already bare, as a customer's address is (parsing it cost 0.05 ms)
    return email.utils.parseaddr(to)[1] or to
