"""Messages sent per second by real worker processes through the local fake of Twilio and an
SMTP server, beside a no-op Dramatiq actor's drain rate on the same broker, with the same
workers, in the same run.

    .venv/bin/python bench/notify.py [--messages 20000] [--customers 1000] [--batch 100]
                                     [--events 5000] [--processes 2] [--threads 4]
                                     [--smtp-connections 4]

The PostgreSQL server is chosen as for the other benches and the bench creates, migrates and
drops a database of its own there; the broker is TESSERA_BROKER_URL if set, else a Redis of
the run's own. It registers `--customers` customers with both consents, stores a "points
earned" template per channel (English and Italian, docs/notifications.md's example), renders
`--messages` messages from them (half email, half SMS) and queues them. The fake Twilio
(uvicorn) and the SMTP server (aiosmtpd) each run in a process of their own
(bench/notify_servers.py). Then, twice, with the same worker settings (`dramatiq
tessera.actors notify_noop`, as `tessera worker` runs it plus the no-op actor):

1. **no-op**: as many no-op messages as there are messages, queued, then the workers
   started; measured from the first message done to the last (the broker's queue size,
   polled every 10 ms);
2. **send**: the messages' send requests queued (`send_messages` of `--batch` ids each, or
   `send_message` of one with `--batch 1`), then the workers started; measured from the
   first claim to the last outcome recorded (the messages' own times in the database);
3. **dispatch + send**: "points earned" switched on and `--events` PointsEarned events
   written pending; the workers' dispatcher (`dispatch_events`, sent every second while
   events are pending) renders two messages of each and sends them; measured from the
   first message created to the last outcome recorded.

Every message must end SENT, the SMTP server must have received each email and the fake
Twilio each SMS, and a sample of what arrived is checked (both email parts, the unsubscribe
headers, the SMS body); anything else is an error. The last line printed is one JSON object
with the figures (see bench/README.md)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from dramatiq.brokers.redis import RedisBroker

from harness import database_transactions, free_port, own_broker, run_on_fresh_database
from notify_processes import Workers, cpu_s, server
from notify_seed import LINK_SECRET, PUBLIC_URL, queue_events, queue_rendered, seed_customers
from tessera.database import asyncpg_dsn

TWILIO_SID, TWILIO_TOKEN = "AC" + "b" * 32, "bench-token"  # as notify_servers' fake
POLL_S = 0.01


@dataclass
class Phase:
    """One measured run of the workers."""

    name: str
    count: int = 0  # messages done in the window
    seconds: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)  # per process kind, in the window
    db_xacts: int = 0

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def cpu_ms_per_message(self) -> dict[str, float]:
        return {kind: round(s * 1000 / max(self.count, 1), 3) for kind, s in self.cpu_s.items()}


# --- the two phases ------------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    database_url: str
    worker_env: dict[str, str]
    pids: dict[str, list[int]]  # the servers' and Redis' processes, by kind
    worker_errors: list[str] = field(default_factory=list)

    def cpu(self, workers: Workers) -> dict[str, float]:
        return {"workers": cpu_s(workers.pids()), **{k: cpu_s(p) for k, p in self.pids.items()}}

    def workers(self) -> Workers:
        return Workers(self.worker_env, self.args.processes, self.args.threads)


def _delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {kind: after[kind] - before.get(kind, 0.0) for kind in after}


async def run_noop(bench: Bench, broker: Any, noop: Any) -> Phase:
    n = bench.args.messages
    for _ in range(n):
        noop.send()
    phase = Phase("no-op actor")
    xacts = await database_transactions(bench.database_url)
    workers = bench.workers()
    try:
        workers.wait_ready()
        before = bench.cpu(workers)
        first = None
        while (left := broker.do_qsize("default")) > 0:
            if first is None and left < n:
                first = (time.perf_counter(), left)
            await asyncio.sleep(POLL_S)
        end = time.perf_counter()
        phase.cpu_s = _delta(before, bench.cpu(workers))
    finally:
        workers.stop()
        bench.worker_errors += workers.errors()
    if first is not None:
        phase.seconds = end - first[0]
        phase.count = first[1]  # those done after the first poll that saw any done
    phase.db_xacts = await database_transactions(bench.database_url) - xacts
    return phase


async def _measure(
    phase: Phase,
    bench: Bench,
    workers: Workers,
    conn: asyncpg.Connection,
    before: dict[str, float],
    start: str,
    messages: str,
) -> None:
    """The phase's CPU since `before` (the workers' PostgreSQL backends since they
    connected), and its count and seconds: the `messages` (a FROM clause) SENT, from their
    `start` (a SQL aggregate) to the last outcome recorded."""
    after = bench.cpu(workers)
    backends = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = 'tessera'"
    )
    phase.cpu_s = _delta(before, after)
    phase.cpu_s["postgres"] = cpu_s([row["pid"] for row in backends])
    window = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'SENT') AS sent, "
        f"extract(epoch FROM max(updated_at) - {start}) AS seconds {messages}"
    )
    phase.count, phase.seconds = int(window["sent"]), float(window["seconds"] or 0.0)


async def run_sends(bench: Bench, broker: Any, actors: Any, ids: list[int]) -> Phase:
    batch = bench.args.batch
    if batch == 1:
        for message_id in ids:
            actors.send_message.send(message_id)
    else:
        for start in range(0, len(ids), batch):
            actors.send_messages.send(ids[start : start + batch])
    phase = Phase(f"send, batches of {batch}" if batch > 1 else "send, one a message")
    xacts = await database_transactions(bench.database_url)
    workers = bench.workers()
    conn = await asyncpg.connect(asyncpg_dsn(bench.database_url))
    try:
        workers.wait_ready()
        before = bench.cpu(workers)
        while broker.do_qsize("default") > 0:  # noqa: ASYNC110 (Redis is polled)
            await asyncio.sleep(POLL_S)
        await _measure(phase, bench, workers, conn, before, "min(claimed_at)", "FROM messages")
    finally:
        await conn.close()
        workers.stop()
        bench.worker_errors += workers.errors()
    phase.db_xacts = await database_transactions(bench.database_url) - xacts
    return phase


PIPELINE_RUN_FOR_S = 1.0  # each dispatch_events run the bench sends polls this long
PIPELINE_TIMEOUT_S = 300.0


async def run_pipeline(bench: Bench, actors: Any, expected: int) -> Phase:
    """Pending PointsEarned events to messages SENT by the workers alone: their dispatcher
    (`dispatch_events`, sent again every second while events are pending, as the scheduler
    sends it every minute) renders and creates the messages, `send_messages` sends them."""
    phase = Phase("dispatch + send")
    xacts = await database_transactions(bench.database_url)
    # The dispatcher renders [unsubscribe_link] from the public URL, [shop_name] the setting.
    env = {**bench.worker_env, "TESSERA_PUBLIC_URL": PUBLIC_URL,
           "TESSERA_LINK_SECRET": LINK_SECRET, "TESSERA_SHOP_NAME": "Bottega Verde"}  # fmt: skip
    workers = Workers(env, bench.args.processes, bench.args.threads)
    conn = await asyncpg.connect(asyncpg_dsn(bench.database_url))
    made = "FROM messages WHERE dedupe_key LIKE 'event:%'"
    try:
        workers.wait_ready()
        before = bench.cpu(workers)
        deadline = time.monotonic() + PIPELINE_TIMEOUT_S
        # Until every message is settled (a FAILED one ends the wait too, and the check says so).
        settled = f"SELECT count(*) {made} AND status NOT IN ('QUEUED', 'SENDING', 'DEFERRED')"
        while await conn.fetchval(settled) < expected:
            if time.monotonic() > deadline:
                break
            pending = "SELECT EXISTS (SELECT 1 FROM domain_events WHERE published_at IS NULL)"
            if await conn.fetchval(pending):
                actors.dispatch_events.send(PIPELINE_RUN_FOR_S)
            await asyncio.sleep(1.0)
        await _measure(phase, bench, workers, conn, before, "min(created_at)", made)
    finally:
        await conn.close()
        workers.stop()
        bench.worker_errors += workers.errors()
    phase.db_xacts = await database_transactions(bench.database_url) - xacts
    return phase


# --- the run -------------------------------------------------------------------------------------


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    customers = await seed_customers(database_url, args.customers)
    render_per_s, render_cpu_ms = await queue_rendered(database_url, customers, args.messages)
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM messages ORDER BY id")]
    finally:
        await conn.close()
    received: dict[str, dict[str, int]] = {}
    twilio_port, smtp_port = free_port(), free_port()
    with (
        own_broker() as broker_url,
        server("twilio", twilio_port, received) as twilio_pid,
        server("smtp", smtp_port, received) as smtp_pid,
    ):
        os.environ["TESSERA_BROKER_URL"] = broker_url  # the bench's own sends go there
        import notify_noop  # configures tessera.actors' broker from the environment
        from tessera import actors

        broker = actors.broker
        assert isinstance(broker, RedisBroker), "the bench measures a Redis broker"
        redis_pid = int(broker.client.info("server")["process_id"])
        actors.broker.flush_all()
        env = {
            **os.environ,
            "TESSERA_DATABASE_URL": database_url,
            "TESSERA_BROKER_URL": broker_url,
            "TESSERA_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?connections={args.smtp_connections}",
            "TESSERA_EMAIL_FROM": "Bottega Verde <punti@bottega.example>",
            "TESSERA_TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TESSERA_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TESSERA_TWILIO_FROM": "+15551230000",
            "TESSERA_TWILIO_API_URL": f"http://127.0.0.1:{twilio_port}",
        }
        env.pop("TESSERA_PUBLIC_URL", None)  # no status callbacks: nobody would receive them
        pids = {"smtp": [smtp_pid], "twilio": [twilio_pid], "redis": [redis_pid],
                "bench": [os.getpid()]}  # fmt: skip
        bench = Bench(args, database_url, env, pids)
        noop = await run_noop(bench, actors.broker, notify_noop.noop)
        send = await run_sends(bench, actors.broker, actors, ids)
        expected = await queue_events(database_url, customers, args.events)
        pipeline = await run_pipeline(bench, actors, expected)
    statuses = await _statuses(database_url)
    errors = _check(args, statuses, received, bench.worker_errors)
    phases = (noop, send, pipeline)
    return report(args, phases, render_per_s, render_cpu_ms, statuses, received, errors)


async def _statuses(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await conn.fetch("SELECT status, count(*) AS n FROM messages GROUP BY status")
        for failed in await conn.fetch(
            "SELECT DISTINCT ON (status_reason) status_reason, last_error FROM messages "
            "WHERE status = 'FAILED' ORDER BY status_reason LIMIT 5"
        ):
            print(f"FAILED {failed['status_reason']}: {failed['last_error']}")
    finally:
        await conn.close()
    return {row["status"]: int(row["n"]) for row in rows}


def _check(
    args: argparse.Namespace,
    statuses: dict[str, int],
    received: dict[str, dict[str, int]],
    worker_errors: list[str],
) -> list[str]:
    errors = [f"worker: {line}" for line in worker_errors[:10]]
    emails = (args.messages + 1) // 2 + args.events
    texts = args.messages // 2 + args.events
    if statuses != {"SENT": args.messages + 2 * args.events}:
        errors.append(f"messages not all SENT: {statuses}")
    smtp, twilio = received.get("smtp", {}), received.get("twilio", {})
    if smtp.get("received") != emails:
        errors.append(f"the SMTP server received {smtp.get('received')} emails of {emails}")
    if twilio.get("received") != texts:
        errors.append(f"the fake Twilio received {twilio.get('received')} SMS of {texts}")
    if smtp.get("sample_ok") != min(50, emails):
        errors.append(f"emails checked whole: {smtp.get('sample_ok')} of {min(50, emails)}")
    if twilio.get("sample_ok") != min(50, texts):
        errors.append(f"SMS checked whole: {twilio.get('sample_ok')} of {min(50, texts)}")
    return errors


def report(
    args: argparse.Namespace,
    phases: tuple[Phase, Phase, Phase],
    render_per_s: float,
    render_cpu_ms: float,
    statuses: dict[str, int],
    received: dict[str, dict[str, int]],
    errors: list[str],
) -> dict[str, Any]:
    noop, send, pipeline = phases
    ratio = send.per_s / noop.per_s if noop.per_s else 0.0
    pipeline_ratio = pipeline.per_s / noop.per_s if noop.per_s else 0.0
    print(
        f"\nnotify bench: {args.messages} messages (half email, half SMS) to {args.customers}"
        f" customers; {args.processes} worker processes x {args.threads} threads,"
        f" {args.smtp_connections} SMTP connections a process"
    )
    print(f"{'':<26}{'messages':>10}{'seconds':>10}{'msgs/s':>10}")
    for phase in phases:
        print(f"{phase.name:<26}{phase.count:>10}{phase.seconds:>10.2f}{phase.per_s:>10.1f}")
    print(f"ratio send / no-op (msgs/s): {ratio:.3f}")
    print(
        f"ratio dispatch + send / no-op (msgs/s): {pipeline_ratio:.3f}"
        f" ({args.events} PointsEarned events, rendered by the workers)"
    )
    kinds = ["workers", "postgres", "redis", "smtp", "twilio", "bench"]
    print("CPU ms a message:         " + "".join(f"{k:>10}" for k in kinds))
    for phase in phases:
        shares = phase.cpu_ms_per_message()
        print(
            f"  {phase.name:<24}" + "".join(f"{shares.get(k, float('nan')):>10.3f}" for k in kinds)
        )
    print(
        f"database transactions a message: no-op {noop.db_xacts / max(noop.count, 1):.3f},"
        f" send {send.db_xacts / max(send.count, 1):.3f},"
        f" dispatch + send {pipeline.db_xacts / max(pipeline.count, 1):.3f}"
    )
    print(
        f"rendering (the bench process): {render_per_s:.0f} msgs/s, {render_cpu_ms:.3f} ms CPU each"
    )
    print(f"statuses: {statuses}; received: {received}")
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    return {
        "bench": "notify",
        "messages": args.messages,
        "batch": args.batch,
        "processes": args.processes,
        "threads": args.threads,
        "smtp_connections": args.smtp_connections,
        "send_msgs_per_s": round(send.per_s, 1),
        "noop_msgs_per_s": round(noop.per_s, 1),
        "ratio": round(ratio, 3),
        "send_s": round(send.seconds, 2),
        "noop_s": round(noop.seconds, 2),
        "send_cpu_ms_per_msg": send.cpu_ms_per_message(),
        "noop_cpu_ms_per_msg": noop.cpu_ms_per_message(),
        "send_db_xacts_per_msg": round(send.db_xacts / max(send.count, 1), 3),
        "render_msgs_per_s": round(render_per_s, 1),
        "events": args.events,
        "pipeline_msgs_per_s": round(pipeline.per_s, 1),
        "pipeline_ratio": round(pipeline_ratio, 3),
        "pipeline_s": round(pipeline.seconds, 2),
        "pipeline_cpu_ms_per_msg": pipeline.cpu_ms_per_message(),
        "errors": len(errors),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument(
        "--events", type=int, default=5000, help="PointsEarned events (2 messages each)"
    )
    parser.add_argument("--batch", type=int, default=100, help="ids a send request (1: one)")
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads a worker process")
    parser.add_argument("--smtp-connections", type=int, default=4, help="a worker process")
    args = parser.parse_args(argv)
    result = run_on_fresh_database("notify", lambda url: run(url, args))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
