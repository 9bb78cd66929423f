"""Email over SMTP: the MIME message (text and HTML alternatives, one-click unsubscribe
headers) and a sender that keeps its SMTP connection open between messages.

`TESSERA_SMTP_URL` names the server: `smtp://user:password@host:port` (plain, or
`?starttls=true` to upgrade), `smtps://...` for implicit TLS. A worker keeps one connection
and reconnects when the server dropped it, so a burst of messages costs one handshake."""

from __future__ import annotations

import email.utils
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from notifications.channels.outcomes import Accepted, Outcome, Permanent, Transient

DEFAULT_TIMEOUT_S = 10.0
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # implicit TLS from the first byte (smtps://, usually port 465)
    start_tls: bool = False  # plain connection upgraded with STARTTLS (usually port 587)
    timeout_s: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """The server named by a TESSERA_SMTP_URL; ValueError saying what is wrong."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("TESSERA_SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("TESSERA_SMTP_URL names no host")
        options = {k.lower(): v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(options) - {"starttls", "timeout"}
        if unknown:
            raise ValueError(f"TESSERA_SMTP_URL: unknown options {sorted(unknown)}")
        implicit = parts.scheme == "smtps"
        start_tls = options.get("starttls", "").lower() in _TRUE
        if implicit and start_tls:
            raise ValueError("TESSERA_SMTP_URL: smtps:// is already TLS; drop ?starttls")
        try:
            port = parts.port or (465 if implicit else 587 if start_tls else 25)
            timeout_s = float(options.get("timeout", DEFAULT_TIMEOUT_S))
        except ValueError as error:
            raise ValueError(f"TESSERA_SMTP_URL: {error}") from error
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=implicit,
            start_tls=start_tls,
            timeout_s=timeout_s,
        )


@dataclass(frozen=True)
class Email:
    """One message to one recipient, as rendered from its template."""

    to: str
    sender: str
    subject: str
    text: str
    html: str | None = None
    # The signed one-click unsubscribe URL (RFC 8058); None for messages that need none
    # (a test message, an internal notice).
    unsubscribe_url: str | None = None


def mime(message: Email) -> EmailMessage:
    """The MIME message: text, and HTML as its alternative when there is one; a Message-ID
    on the sender's domain; List-Unsubscribe with List-Unsubscribe-Post for one-click
    unsubscribe when the message has an unsubscribe URL."""
    built = EmailMessage()
    built["From"] = message.sender
    built["To"] = message.to
    # A header may not hold line breaks; a rendered subject is folded onto one line.
    built["Subject"] = " ".join(message.subject.split())
    built["Date"] = email.utils.formatdate(usegmt=True)
    domain = message.sender.rpartition("@")[2].strip("<> ") or None
    built["Message-ID"] = email.utils.make_msgid(domain=domain)
    if message.unsubscribe_url is not None:
        built["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        built["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    built.set_content(message.text)
    if message.html is not None:
        built.add_alternative(message.html, subtype="html")
    return built


class SmtpSender:
    """Sends over one SMTP connection, opened on first use and kept open; a connection the
    server dropped is opened again once per message. Not safe for concurrent sends: a worker
    process holds one per thread of sending."""

    def __init__(self, config: SmtpConfig, tls_context: ssl.SSLContext | None = None) -> None:
        self._config = config
        self._tls_context = tls_context
        self._client: aiosmtplib.SMTP | None = None

    async def send(self, message: Email) -> Outcome:
        """Send one message; what the server made of it (never raises for the server's or the
        network's faults)."""
        built = mime(message)
        try:
            try:
                await self._send(built)
            except aiosmtplib.SMTPServerDisconnected:
                await self.close()  # an idle connection the server closed: once more
                await self._send(built)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            return _refusal(refused.recipients[0])
        except aiosmtplib.SMTPResponseException as error:
            await self.close()
            return _refusal(error)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await self.close()
            return Transient(f"{type(error).__name__}: {error}")
        return Accepted(str(built["Message-ID"]))

    async def _send(self, built: EmailMessage) -> None:
        client = await self._connected()
        await client.send_message(built)

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        config = self._config
        client = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.use_tls,
            start_tls=config.start_tls,
            timeout=config.timeout_s,
            tls_context=self._tls_context,
        )
        await client.connect()
        self._client = client
        return client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()


def _refusal(error: aiosmtplib.SMTPResponseException) -> Outcome:
    """SMTP's own split: 4xx try again later, 5xx do not."""
    reason = f"SMTP {error.code}: {error.message}"
    if 400 <= error.code < 500:
        return Transient(reason)
    return Permanent(str(error.code), reason)
