"""Where an API request's CPU goes: the earn bench's requests, one after another, through
the app in this process (no HTTP server, no load generator), timed and profiled.

    .venv/bin/python bench/profile_request.py [--requests 2000] [--html FILE]

Creates a bench database as the other benches do (see bench/README.md), seeds customers,
then sends the earn bench's mix of `recordPurchase` and `adjustPoints` straight to the
Starlette app (an ASGI call per request, with its lifespan running). It prints the CPU of
this process per request (the app's own cost, without the database server's) and, with
pyinstrument installed, the call tree of where that CPU went (`--html` writes the
interactive flame graph; PROFILE_ALL=1 shows library frames in the tree too). The last line
is a JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from earn import (
    ADJUST_QUERY,
    PURCHASE_QUERY,
    Adjustment,
    Purchase,
    next_operation,
    request_of,
    seed_customers,
)
from harness import create_token, run_on_fresh_database
from tessera.app import create_app
from tessera.database import create_engine


def _body(op: Purchase | Adjustment) -> bytes:
    _, variables = request_of(op)
    query = PURCHASE_QUERY if isinstance(op, Purchase) else ADJUST_QUERY
    return orjson.dumps({"query": query, "variables": variables})


async def _call(app: Any, token: str, body: bytes) -> bytes:
    """One POST /graphql through the ASGI interface; the response body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(chunks)


async def _measure(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = create_engine(database_url)
    try:
        customer_ids = await seed_customers(engine, args.customers)
    finally:
        await engine.dispose()
    token = await asyncio.to_thread(create_token, database_url)
    app = create_app(database_url=database_url)
    rng = random.Random(7)
    bodies = [_body(next_operation(rng, customer_ids, f"p-{i}")) for i in range(args.requests)]
    warmup, measured = bodies[: args.requests // 10], bodies[args.requests // 10 :]
    async with app.router.lifespan_context(app):
        for body in warmup:
            await _call(app, token, body)
        profiler = _profiler()
        if profiler is not None:
            profiler.start()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for body in measured:
            reply = orjson.loads(await _call(app, token, body))
            if reply.get("errors"):
                raise SystemExit(f"request failed: {reply['errors']}")
        cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
        if profiler is not None:
            profiler.stop()
    if profiler is not None:
        every_frame = bool(os.environ.get("PROFILE_ALL"))  # library frames too
        print(profiler.output_text(unicode=True, color=False, show_all=every_frame))
        if args.html:
            await asyncio.to_thread(Path(args.html).write_text, profiler.output_html())
    n = len(measured)
    print(f"{n} requests in this process: CPU {cpu_s / n * 1000:.3f} ms per request, "
          f"wall {wall_s / n * 1000:.3f} ms (one at a time, database included)")  # fmt: skip
    return {
        "bench": "profile_request",
        "requests": n,
        "profiled": profiler is not None,
        "cpu_ms_per_req": round(cpu_s / n * 1000, 3),
        "wall_ms_per_req": round(wall_s / n * 1000, 3),
    }


def _profiler() -> Any:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: timing only", file=sys.stderr)
        return None
    return Profiler(interval=0.0002, async_mode="disabled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--html", help="write pyinstrument's interactive flame graph here")
    parser.add_argument("--no-profile", action="store_true", help="time only (no profiler)")
    args = parser.parse_args()
    if args.no_profile:
        globals()["_profiler"] = lambda: None
    run_on_fresh_database("profile", lambda url: _measure(url, args))


if __name__ == "__main__":
    main()
