"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives, and can refuse
chosen recipients with a 4xx or 5xx reply, as a mail server would, or keep a message and
hold back its reply (a server that took the message, whose answer never reached the
sender)."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.serving import free_port

# The longest a held reply waits for `release()` (a test that forgot stops nothing).
HOLD_LIMIT_S = 60.0


@dataclass
class Inbox:
    """The messages the server accepted, parsed; `refuse` maps an address to the reply its
    RCPT TO gets (e.g. "550 5.1.1 No such user"); after `hold()`, a message is kept and its
    "250" reply waits until `release()`. `connections` counts the sessions opened (EHLO) and
    `quits` those a client closed with QUIT. With `keep` set to a number, only that many
    messages are parsed and kept (the first ones) and the others only counted in `received`:
    a benchmark's server then costs little CPU per message."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    connections: int = 0
    quits: int = 0
    received: int = 0
    keep: int | None = None
    _answers: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._answers.set()

    def hold(self) -> None:
        self._answers.clear()

    def release(self) -> None:
        self._answers.set()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.quits += 1
        return "221 Bye"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        if self.keep is not None and len(self.messages) >= self.keep:
            return "250 Message accepted for delivery"
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if not self._answers.is_set():  # set from the test's thread, waited for in a thread
            await asyncio.to_thread(self._answers.wait, HOLD_LIMIT_S)
        return "250 Message accepted for delivery"


class SmtpServer:
    """The running server: its port, and `restart()` to drop every open connection (a server
    going down and coming back, as mail servers do between a worker's messages)."""

    def __init__(self, inbox: Inbox, server_kwargs: dict[str, Any]) -> None:
        self.port = free_port()
        self._inbox = inbox
        self._kwargs = server_kwargs
        self._controller = self._started()

    def _started(self) -> Controller:
        controller = Controller(self._inbox, hostname="127.0.0.1", port=self.port, **self._kwargs)
        controller.start()
        return controller

    def restart(self) -> None:
        self._controller.stop()
        self._controller = self._started()

    def stop(self) -> None:
        self._controller.stop()


@contextlib.contextmanager
def smtp_server(**server_kwargs: Any) -> Iterator[tuple[Inbox, SmtpServer]]:
    """An SMTP server on a free loopback port (its own thread and loop): the inbox and the
    server (`server.port`, `server.restart()`)."""
    inbox = Inbox()
    server = SmtpServer(inbox, server_kwargs)
    try:
        yield inbox, server
    finally:
        inbox.release()
        server.stop()
