"""Where a sent message's CPU goes: notify.py's messages sent batch after batch by
`deliver_batch` in this process (no Dramatiq, no other worker), timed and profiled.

    .venv/bin/python bench/profile_send.py [--messages 4000] [--batch 100] [--html FILE]

Creates a bench database as the other benches do and queues notify.py's rendered messages
(half email, half SMS); the fake Twilio and the SMTP server run in processes of their own
(bench/notify_servers.py). The channels are the ones a worker opens from its settings
(tessera/channels.py: a pool of SMTP connections, Twilio's client). It prints the CPU of this
process per message (a worker's own cost, without the database's or the servers') and, with
pyinstrument, the call tree of where it went (`--html` writes the flame graph; PROFILE_ALL=1
shows library frames in the tree too). The last line is a JSON object with the figures."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

from domain.uow import UnitOfWork
from harness import free_port, run_on_fresh_database
from notifications.delivery.sending import deliver_batch
from notify import TWILIO_SID, TWILIO_TOKEN
from notify_processes import server
from notify_seed import queue_rendered, seed_customers
from tessera.channels import close_channels, open_channels
from tessera.database import asyncpg_dsn, create_engine
from tessera.settings import Settings


async def _measure(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    customers = await seed_customers(database_url, args.customers)
    await queue_rendered(database_url, customers, args.messages)
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM messages ORDER BY id")]
    finally:
        await conn.close()
    batches = [ids[i : i + args.batch] for i in range(0, len(ids), args.batch)]
    warmup, measured = batches[: max(1, len(batches) // 10)], batches[max(1, len(batches) // 10) :]
    received: dict[str, dict[str, int]] = {}
    twilio_port, smtp_port = free_port(), free_port()
    with server("twilio", twilio_port, received), server("smtp", smtp_port, received):
        settings = dataclasses.replace(
            Settings.from_env(),
            smtp_url=f"smtp://127.0.0.1:{smtp_port}?connections={args.smtp_connections}",
            email_from="Bottega Verde <punti@bottega.example>",
            twilio_account_sid=TWILIO_SID,
            twilio_auth_token=TWILIO_TOKEN,
            twilio_from="+15551230000",
            twilio_api_url=f"http://127.0.0.1:{twilio_port}",
            public_url=None,
        )
        engine = create_engine(database_url, pool_size=4)
        channels = open_channels(settings)
        try:
            for batch in warmup:
                await deliver_batch(UnitOfWork(engine), batch, channels)
            profiler = _profiler()
            if profiler is not None:
                profiler.start()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            statuses: dict[str, int] = {}
            for batch in measured:
                for delivery in (await deliver_batch(UnitOfWork(engine), batch, channels)).values():
                    statuses[str(delivery.status)] = statuses.get(str(delivery.status), 0) + 1
            cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
            if profiler is not None:
                profiler.stop()
        finally:
            await close_channels(channels)
            await engine.dispose()
    if profiler is not None:
        every_frame = bool(os.environ.get("PROFILE_ALL"))
        print(profiler.output_text(unicode=True, color=False, show_all=every_frame))
        if args.html:
            await asyncio.to_thread(Path(args.html).write_text, profiler.output_html())
    n = sum(len(batch) for batch in measured)
    print(f"{n} messages in batches of {args.batch}, one batch at a time: CPU "
          f"{cpu_s / n * 1000:.3f} ms a message in this process, wall "
          f"{wall_s / n * 1000:.3f} ms; {statuses}")  # fmt: skip
    return {
        "bench": "profile_send",
        "messages": n,
        "batch": args.batch,
        "profiled": profiler is not None,
        "cpu_ms_per_msg": round(cpu_s / n * 1000, 3),
        "wall_ms_per_msg": round(wall_s / n * 1000, 3),
        "errors": n - statuses.get("SENT", 0),
    }


def _profiler() -> Any:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: timing only", file=sys.stderr)
        return None
    return Profiler(interval=0.0002, async_mode="disabled")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=4_000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--smtp-connections", type=int, default=4)
    parser.add_argument("--html", help="write pyinstrument's interactive flame graph here")
    parser.add_argument("--no-profile", action="store_true", help="time only (no profiler)")
    args = parser.parse_args()
    if args.no_profile:
        globals()["_profiler"] = lambda: None
    result = run_on_fresh_database("profile_send", lambda url: _measure(url, args))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
