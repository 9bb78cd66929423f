"""The two crash windows of a send, with real `tessera worker` processes killed by SIGKILL
(docs/channels.md, "The crash window, at most once"):

1. **before the provider call**: a worker claimed the message and is killed before its
   hand-over is committed; recovery queues the message again and a new worker sends it:
   the provider gets it exactly once;
2. **after the provider took it**: a worker handed the message over, the provider recorded
   it, and the worker is killed before the answer comes back; the message is left SENDING,
   recovery marks it UNCERTAIN (shown so in the delivery log), and neither a new worker, a
   redelivered send request, nor recovery and the sweep run again send it a second time.

Each window is tried on email (aiosmtpd) and SMS (the real twilio client against the fake
Twilio). Nothing in the product knows of the test: the worker is held in window 1 by a
trigger installed in this module's own database, which waits on an advisory lock the test
holds, and in window 2 by the providers, which record the message and then hold their
answer. Recovery is given a short threshold through its parameter instead of waiting
minutes. Workers run in process groups of their own, killed whole, and never outlive the
test."""

from __future__ import annotations

import asyncio
import os
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import httpx
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.tokens import create_staff_token
from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, Message, NewMessage, Purpose, Status
from notifications.delivery.queueing import queue_message
from notifications.delivery.recovery import Recovered, recover_stuck_messages
from notifications.delivery.sending import get_message, stale_due_messages
from tessera.database import asyncpg_dsn, create_engine
from tests.support.api import GraphQLClient, running_server
from tests.support.databases import fresh_database, reset_tables
from tests.support.fake_twilio import FakeTwilio, fake_twilio
from tests.support.smtp_server import Inbox, smtp_server
from tests.support.worker_processes import WorkerProcess, WorkerStarter, worker_processes
from tests.tessera.test_worker import actors

__all__ = ["actors"]  # the fixture, used by name

# The advisory lock the hand-over trigger waits on while the test holds it (< 2**32, so it
# is pg_locks' objid).
PAUSE_LOCK = 710_009_001
# "Stuck" for these tests: recovery's threshold, passed as its parameter.
STUCK_AFTER_S = 0.2
WAIT_S = 15.0
CHANNELS = [Channel.EMAIL, Channel.SMS]

PAUSE_HAND_OVER = f"""
CREATE FUNCTION crash_test_pause_hand_over() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Waits while the test holds the lock: the sender is between its claim and its
    -- hand-over, the hand-over not committed.
    PERFORM pg_advisory_xact_lock({PAUSE_LOCK});
    RETURN NEW;
END $$;
CREATE TRIGGER crash_test_pause_hand_over BEFORE UPDATE ON messages FOR EACH ROW
    WHEN (OLD.handed_at IS NULL AND NEW.handed_at IS NOT NULL)
    EXECUTE FUNCTION crash_test_pause_hand_over();
"""
UNPAUSE = """
DROP TRIGGER IF EXISTS crash_test_pause_hand_over ON messages;
DROP FUNCTION IF EXISTS crash_test_pause_hand_over();
"""
WAITING_ON_PAUSE = """SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = :key"""

UNCERTAIN_LOG = """{ messages(filter: {status: UNCERTAIN}) {
  nodes { id status statusReason attempts providerId recipient } } }"""


@pytest.fixture(scope="module")
async def crash_db(postgres_server: str) -> AsyncIterator[str]:
    """A database of this module's own, so that its trigger and its workers touch no other
    test's data."""
    async with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="module")
async def crash_engine(crash_db: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(crash_db, pool_size=2)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def db(crash_engine: AsyncEngine) -> AsyncEngine:
    await reset_tables(crash_engine)
    return crash_engine


@dataclass
class Providers:
    """The SMTP server and the fake Twilio the workers send through."""

    inbox: Inbox
    twilio: FakeTwilio
    env: dict[str, str]

    def received(self, channel: Channel) -> list[str]:
        """What the provider of the channel took: each email's subject, each SMS's body."""
        if channel is Channel.EMAIL:
            return [str(m["Subject"]) for m in self.inbox.messages]
        return [m.body for m in self.twilio.sent]

    def hold_answers(self, channel: Channel) -> None:
        if channel is Channel.EMAIL:
            self.inbox.hold()
        else:
            self.twilio.hold_answers()

    def release_answers(self) -> None:
        self.inbox.release()
        self.twilio.release_answers()


@pytest.fixture
async def providers() -> AsyncIterator[Providers]:
    async with fake_twilio() as (fake, twilio_url):
        with smtp_server() as (inbox, smtp):
            env = {
                # A long SMTP timeout: a held answer must not turn into a transient failure.
                "TESSERA_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}?timeout=60",
                "TESSERA_EMAIL_FROM": "loyalty@shop.example",
                "TESSERA_TWILIO_ACCOUNT_SID": fake.account_sid,
                "TESSERA_TWILIO_AUTH_TOKEN": fake.auth_token,
                "TESSERA_TWILIO_FROM": "+15551230000",
                "TESSERA_TWILIO_API_URL": twilio_url,
            }
            providers = Providers(inbox, fake, env)
            try:
                yield providers
            finally:
                providers.release_answers()


@pytest.fixture
def workers(
    actors: ModuleType, crash_db: str, broker_url: str, providers: Providers, tmp_path: Path
) -> Iterator[WorkerStarter]:
    """Starts `tessera worker` processes on this module's database, the session's broker and
    the providers; kills every one of them when the test ends, then clears what the killed
    ones left in the broker (their unacknowledged messages, which Redis would hand to a
    later worker a minute on)."""
    env = {**os.environ, **providers.env}
    env |= {"TESSERA_DATABASE_URL": crash_db, "TESSERA_BROKER_URL": broker_url}
    env.pop("TESSERA_PUBLIC_URL", None)  # no status callbacks
    try:
        with worker_processes(env, tmp_path) as starter:
            yield starter
    finally:
        actors.broker.flush_all()
        forget_dead_workers(broker_url)


def forget_dead_workers(broker_url: str) -> None:
    client = redis.Redis.from_url(broker_url)
    try:
        acks = list(client.scan_iter("dramatiq:__acks__.*"))
        if acks:
            client.delete(*acks)
        client.delete("dramatiq:__heartbeats__")
    finally:
        client.close()


class HandOverPause:
    """Holds the lock the hand-over trigger waits on, from a connection of the test's own."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def release(self) -> None:
        if not self._connection.is_closed():
            await self._connection.close()  # a session's advisory locks end with it


@pytest.fixture
async def hand_over_paused(db: AsyncEngine, crash_db: str) -> AsyncIterator[HandOverPause]:
    """Every hand-over waits until `release()` (or the end of the test)."""
    connection = await asyncpg.connect(asyncpg_dsn(crash_db))
    await connection.execute(PAUSE_HAND_OVER)
    await connection.execute("SELECT pg_advisory_lock($1)", PAUSE_LOCK)
    pause = HandOverPause(connection)
    try:
        yield pause
    finally:
        await pause.release()
        cleaner = await asyncpg.connect(asyncpg_dsn(crash_db))
        try:
            await cleaner.execute("SET lock_timeout = '10s';" + UNPAUSE)
        finally:
            await cleaner.close()


async def queued(engine: AsyncEngine, channel: Channel, key: str) -> int:
    """A customer who consents to the channel, and a message to them, QUEUED."""
    phone = "+39333" + str(zlib.crc32(key.encode()) % 10_000_000).zfill(7)
    values = {"external_ref": key, "email": f"{key}@example.com", "consent_email": True,
              "phone": phone, "consent_sms": True}  # fmt: skip
    customer = (await create_customer(UnitOfWork(engine), values, None)).item.id
    if channel is Channel.EMAIL:
        content = {"subject": f"Hello {key}", "text": "You earned 120 points"}
        recipient = f"{key}@example.com"
    else:
        content, recipient = {"text": f"Hello {key}"}, phone
    new = NewMessage(f"crash:{key}", channel, Purpose.TRANSACTIONAL, recipient, content, customer)
    return (await queue_message(UnitOfWork(engine), new)).message.id


async def message(engine: AsyncEngine, message_id: int) -> Message:
    found = await get_message(UnitOfWork(engine), message_id)
    assert found is not None
    return found


async def wait_until(
    what: str, check: Callable[[], Awaitable[bool]], worker: WorkerProcess | None = None
) -> None:
    """Poll `check` until it holds; fail saying `what` (and with the worker's log) after
    WAIT_S, or at once when the worker died."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not await check():
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"the worker exited before {what}:\n{worker.log()}")
        if loop.time() > deadline:
            log = "" if worker is None else f"; worker log:\n{worker.log()}"
            pytest.fail(f"not within {WAIT_S} s: {what}{log}")
        await asyncio.sleep(0.05)


async def recovered_after_crash(engine: AsyncEngine) -> Recovered:
    """Run recovery (threshold STUCK_AFTER_S) until it settles something: the message's
    claim must first be older than the threshold, and the killed worker's database session
    end (its statement may hold the row until the server sees the connection gone)."""
    found: list[Recovered] = []

    async def settles() -> bool:
        recovery = recover_stuck_messages(UnitOfWork(engine), stuck_after_s=STUCK_AFTER_S)
        found.append(await asyncio.wait_for(recovery, WAIT_S))
        return bool(found[-1].requeued or found[-1].uncertain)

    await wait_until("recovery settled the killed worker's message", settles)
    return found[-1]


async def all_sent_requests_done(actors: ModuleType) -> None:
    """Wait until the broker has no message left, queued or being worked on."""
    await asyncio.to_thread(actors.broker.join, "default", timeout=int(WAIT_S * 1000))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_worker_killed_before_the_provider_call_is_retried_and_sends_once(
    channel: Channel,
    actors: ModuleType,
    db: AsyncEngine,
    providers: Providers,
    workers: WorkerStarter,
    hand_over_paused: HandOverPause,
) -> None:
    # Given a queued message, and a worker that claims it and is held before its hand-over
    message_id = await queued(db, channel, "before")
    first = workers.start()
    actors.send_message.send(message_id)

    async def held_before_hand_over() -> bool:
        async with db.connect() as conn:
            waiting = await conn.execute(text(WAITING_ON_PAUSE), {"key": PAUSE_LOCK})
            return bool(waiting.scalar_one())

    await wait_until("the worker reached its hand-over", held_before_hand_over, first)
    claimed = await message(db, message_id)
    assert (claimed.status, claimed.handed_at, claimed.attempts) == (Status.SENDING, None, 1)
    # (a live sender is not stuck: recovery with its usual threshold leaves it alone)
    assert await recover_stuck_messages(UnitOfWork(db)) == Recovered([], [])

    # When the worker is killed there (kill -9), and its send request dropped with it
    first.kill()
    actors.broker.flush_all()
    await hand_over_paused.release()  # its statement may finish; it can never commit
    assert providers.received(channel) == []

    # Then recovery queues the message again (it was never handed over)
    recovered = await recovered_after_crash(db)
    assert recovered == Recovered(requeued=[message_id], uncertain=[])
    requeued = await message(db, message_id)
    assert (requeued.status, requeued.handed_at) == (Status.QUEUED, None)

    # And a new worker, sent it again as the recovery actor does, sends it exactly once
    second = workers.start()
    actors.send_message.send(message_id)
    await all_sent_requests_done(actors)
    sent = await message(db, message_id)
    assert (sent.status, sent.attempts) == (Status.SENT, 2), second.log()
    assert providers.received(channel) == ["Hello before"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_worker_killed_after_the_provider_took_the_message_leaves_it_uncertain(
    channel: Channel,
    actors: ModuleType,
    db: AsyncEngine,
    crash_db: str,
    providers: Providers,
    workers: WorkerStarter,
) -> None:
    # Given a provider that records a message and then holds its answer back
    message_id = await queued(db, channel, "after")
    providers.hold_answers(channel)
    first = workers.start()
    actors.send_message.send(message_id)

    async def provider_took_it() -> bool:
        return len(providers.received(channel)) == 1

    # When a worker hands the message over, the provider takes it, and the worker is killed
    # before the answer arrives
    await wait_until("the provider took the message", provider_took_it, first)
    handed = await message(db, message_id)
    assert handed.status is Status.SENDING and handed.handed_at is not None
    first.kill()
    actors.broker.flush_all()
    providers.release_answers()

    # Then recovery marks it UNCERTAIN: maybe sent, never sent again
    recovered = await recovered_after_crash(db)
    assert recovered == Recovered(requeued=[], uncertain=[message_id])
    # And the delivery log shows it so
    [logged] = await uncertain_in_log(db, crash_db)
    assert (logged["id"], logged["statusReason"], logged["attempts"]) == (
        str(message_id),
        "SENDER_STOPPED_AFTER_HANDOVER",
        1,
    )

    # When a fresh worker gets the send request again (a redelivery), and the recovery
    # actor, and recovery and the sweep run again with short thresholds
    second = workers.start()
    actors.send_message.send(message_id)
    actors.recover_messages.send()
    assert await recover_stuck_messages(UnitOfWork(db), stuck_after_s=0) == Recovered([], [])
    assert message_id not in await stale_due_messages(UnitOfWork(db), idle_s=0)
    # (and a later message, to show this worker does send)
    later = await queued(db, channel, "later")
    actors.send_message.send(later)
    await all_sent_requests_done(actors)

    # Then the provider saw the first message exactly once; it is still UNCERTAIN
    assert providers.received(channel) == ["Hello after", "Hello later"], second.log()
    settled = await message(db, message_id)
    assert (settled.status, settled.attempts, settled.provider_id) == (Status.UNCERTAIN, 1, None)
    assert (await message(db, later)).status is Status.SENT


async def uncertain_in_log(engine: AsyncEngine, database_url: str) -> list[dict[str, Any]]:
    """The delivery log's UNCERTAIN messages, read through GraphQL by a viewer."""
    token = await create_staff_token(UnitOfWork(engine), "viewer", "log reader")
    async with (
        running_server(database_url) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        data = await GraphQLClient(http, token).data(UNCERTAIN_LOG)
    nodes: list[dict[str, Any]] = data["messages"]["nodes"]
    return nodes
