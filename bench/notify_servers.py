"""The stand-ins bench/notify.py sends to, each in a process of its own so that neither takes
the measured workers' GIL:

    python bench/notify_servers.py twilio PORT   # tests/support/fake_twilio.py under uvicorn
    python bench/notify_servers.py smtp PORT     # tests/support/smtp_server.py's aiosmtpd

(with the project root on PYTHONPATH, for `tests.support`). Each prints "ready" once it
listens and, when stopped with SIGTERM, one JSON line with what it received: the count, and
checks of a sample (an SMS with its body; an email with its text and HTML parts and its
one-click unsubscribe headers). The SMTP server parses only its first SAMPLE messages and
counts the others, as a real server's cost would not be on this machine at all."""

from __future__ import annotations

import asyncio
import signal
import sys
from email.message import EmailMessage

import orjson
import uvicorn
from aiosmtpd.controller import Controller

from tests.support.fake_twilio import FakeTwilio
from tests.support.smtp_server import Inbox

SAMPLE = 50


def serve_twilio(port: int) -> dict[str, int]:
    fake = FakeTwilio(account_sid="AC" + "b" * 32, auth_token="bench-token")
    config = uvicorn.Config(
        fake.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve())  # stops on SIGTERM (uvicorn's handler)
        while not server.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.01)
        print("ready", flush=True)
        await task

    # uvicorn stops on SIGTERM and then raises it again for the handler it found: ours,
    # which ignores it, so that what was received can still be printed.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    asyncio.run(run())
    return {
        "requests": fake.requests,
        "received": len(fake.sent),
        "sample_ok": sum(1 for m in fake.sent[:SAMPLE] if m.body and m.from_number),
    }


def serve_smtp(port: int) -> dict[str, int]:
    inbox = Inbox(keep=SAMPLE)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()
    return {
        "received": inbox.received,
        "connections": inbox.connections,
        "quits": inbox.quits,
        "sample_ok": sum(1 for message in inbox.messages if _complete(message)),
    }


def _complete(message: EmailMessage) -> bool:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text is not None
        and html is not None
        and bool(message["Subject"])
        and str(message["List-Unsubscribe"]).startswith("<http")
        and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )


def main(argv: list[str]) -> int:
    kind, port = argv[0], int(argv[1])
    if kind == "smtp":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        received = serve_smtp(port)
    else:
        received = serve_twilio(port)
    print(orjson.dumps(received).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
