"""Email over SMTP: the message (notifications/channels/mime.py) and senders that keep their
SMTP connections open between messages.

`TESSERA_SMTP_URL` names the server: `smtp://user:password@host:port` (plain, or
`?starttls=true` to upgrade), `smtps://...` for implicit TLS, `?connections=N` for how many
connections a worker process keeps open at most (default 4: SMTP has no pipelining here, so
one connection carries one message at a time, four round trips each). A connection the
server dropped is opened again, so a burst of messages costs a handshake per connection,
not per message."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from notifications.channels.mime import Mime, build_mime
from notifications.channels.outcomes import Accepted, Outcome, Permanent, Transient

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_CONNECTIONS = 4
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
    connections: int = DEFAULT_CONNECTIONS  # kept open at most, per worker process

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """The server named by a TESSERA_SMTP_URL; ValueError saying what is wrong."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("TESSERA_SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("TESSERA_SMTP_URL names no host")
        options = {k.lower(): v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(options) - {"starttls", "timeout", "connections"}
        if unknown:
            raise ValueError(f"TESSERA_SMTP_URL: unknown options {sorted(unknown)}")
        implicit = parts.scheme == "smtps"
        start_tls = options.get("starttls", "").lower() in _TRUE
        if implicit and start_tls:
            raise ValueError("TESSERA_SMTP_URL: smtps:// is already TLS; drop ?starttls")
        try:
            port = parts.port or (465 if implicit else 587 if start_tls else 25)
            timeout_s = float(options.get("timeout", DEFAULT_TIMEOUT_S))
            connections = int(options.get("connections", DEFAULT_CONNECTIONS))
        except ValueError as error:
            raise ValueError(f"TESSERA_SMTP_URL: {error}") from error
        if not 1 <= connections <= 100:
            raise ValueError("TESSERA_SMTP_URL: connections must be from 1 to 100")
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=implicit,
            start_tls=start_tls,
            timeout_s=timeout_s,
            connections=connections,
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


def mime(message: Email) -> Mime:
    """The MIME message: text, and HTML as its alternative when there is one; a Message-ID
    on the sender's domain; List-Unsubscribe with List-Unsubscribe-Post for one-click
    unsubscribe when the message has an unsubscribe URL."""
    return build_mime(
        sender=message.sender,
        to=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        unsubscribe_url=message.unsubscribe_url,
    )


class SmtpSender:
    """Sends over one SMTP connection, opened on first use and kept open; a connection the
    server dropped is opened again once per message. Concurrent sends take turns (SMTP
    carries one message at a time on a connection): `SmtpPool` spreads them over several."""

    def __init__(self, config: SmtpConfig, tls_context: ssl.SSLContext | None = None) -> None:
        self._config = config
        self._tls_context = tls_context
        self._client: aiosmtplib.SMTP | None = None
        self._turn = asyncio.Lock()

    async def send(self, message: Email) -> Outcome:
        """Send one message; what the server made of it (never raises for the server's or the
        network's faults)."""
        return await self.send_mime(mime(message))

    async def send_mime(self, built: Mime) -> Outcome:
        """Send a message already built (as `send`)."""
        async with self._turn:
            return await self._send_built(built)

    async def _send_built(self, built: Mime) -> Outcome:
        try:
            try:
                await self._send(built)
            except aiosmtplib.SMTPServerDisconnected:
                await self._close()  # an idle connection the server closed: once more
                await self._send(built)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            return _refusal(refused.recipients[0])
        except aiosmtplib.SMTPResponseException as error:
            await self._close()
            return _refusal(error)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await self._close()
            return Transient(f"{type(error).__name__}: {error}")
        return Accepted(built.message_id)

    async def _send(self, built: Mime) -> None:
        client = await self._connected()
        await client.sendmail(built.envelope_from, [built.envelope_to], built.data)

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
        """Say QUIT and close the connection (a send after it opens a new one)."""
        async with self._turn:
            await self._close()

    async def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()


class SmtpPool:
    """Sends over up to `config.connections` SMTP connections at once, each opened when
    first needed and kept open (a worker process holds one pool). The connection used
    last is the one taken next, so a light load keeps to one connection and the others
    are opened only when messages wait."""

    def __init__(self, config: SmtpConfig, tls_context: ssl.SSLContext | None = None) -> None:
        self._senders = [SmtpSender(config, tls_context) for _ in range(config.connections)]
        self._free: asyncio.LifoQueue[SmtpSender] = asyncio.LifoQueue()
        for sender in reversed(self._senders):
            self._free.put_nowait(sender)

    async def send(self, message: Email) -> Outcome:
        """As SmtpSender.send, on a free connection (waiting for one when all are busy)."""
        built = mime(message)
        sender = await self._free.get()
        try:
            return await sender.send_mime(built)
        finally:
            self._free.put_nowait(sender)

    async def close(self) -> None:
        await asyncio.gather(*(sender.close() for sender in self._senders))


def _refusal(error: aiosmtplib.SMTPResponseException) -> Outcome:
    """SMTP's own split: 4xx try again later, 5xx do not."""
    reason = f"SMTP {error.code}: {error.message}"
    if 400 <= error.code < 500:
        return Transient(reason)
    return Permanent(str(error.code), reason)
