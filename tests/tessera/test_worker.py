"""The actors (ledger audit, hold expiry, points expiry, gift schedules, tier rules), run by
a real Dramatiq worker on the session's broker, and the scheduler that sends them."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType

import dramatiq
import httpx
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.tokens import create_staff_token
from domain.badges.models import BadgeSpec
from domain.badges.resync import resync_progress
from domain.badges.services import Handover, create_badge
from domain.checkout.holds import hold_points
from domain.checkout.quote import CartLine
from domain.customers.categories import create_category
from domain.customers.services import create_customer
from domain.gifts.models import GiftScheduleSpec
from domain.gifts.services import create_gift_schedule
from domain.ledger.services import adjust_points
from domain.tiers.models import RungInput, TierMeasure
from domain.tiers.services import set_tier_rules
from domain.uow import UnitOfWork
from tessera.scheduler import add_jobs
from tests.domain.ledger.test_expiry import SEED_CUSTOMERS_WITH_DUE_LOTS
from tests.support.api import GraphQLClient, running_server
from tests.support.badges import assert_badges_sound, seed_customers
from tests.support.ledger import assert_ledger_sound


@pytest.fixture
def actors(
    broker_url: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModuleType]:
    """`tessera.actors` bound to the session's broker and database, as `tessera worker` runs it."""
    monkeypatch.setenv("TESSERA_BROKER_URL", broker_url)
    monkeypatch.setenv("TESSERA_DATABASE_URL", database_url)
    # The module configures its broker when imported; reload so that it takes this one.
    module = sys.modules.get("tessera.actors")
    module = importlib.reload(module) if module else importlib.import_module("tessera.actors")
    module.broker.flush_all()
    yield module
    module.broker.flush_all()


def run_worker_until_idle(
    module: ModuleType, message: dramatiq.Message[int], threads: int = 1
) -> None:
    worker = dramatiq.Worker(module.broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    try:
        module.broker.join(message.queue_name, timeout=30_000)
        worker.join()
    finally:
        worker.stop()


async def test_audit_of_a_sound_ledger_reports_no_violation(
    clean_db: AsyncEngine, actors: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tessera.actors")
    # When the audit is enqueued and a worker runs it
    message = actors.audit_ledger.send()
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    # Then it ran and found nothing wrong
    assert "ledger audit finished with 0 violation(s)" in caplog.messages
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_audit_logs_each_violation_at_error(
    clean_db: AsyncEngine, actors: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a balance that no ledger entry or lot accounts for
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO customers (category_id) "
                "SELECT id FROM point_categories WHERE is_default"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO point_accounts (customer_id, balance, lifetime_earned) "
                "SELECT id, 5, 5 FROM customers"
            )
        )
    caplog.set_level(logging.INFO, logger="tessera.actors")
    # When the worker runs the audit
    message = actors.audit_ledger.send()
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    # Then each violation is logged at ERROR
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("balance 5 but entries sum to 0" in e for e in errors)
    assert any("balance 5 but open lots hold 0" in e for e in errors)
    # And calling the actor directly returns the same count
    assert await asyncio.to_thread(actors.audit_ledger.fn) == len(errors)


async def test_the_worker_expires_holds_past_their_time(
    clean_db: AsyncEngine, actors: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a customer with 100 points, 40 of them held by a hold already past its time
    customer = (await create_customer(UnitOfWork(clean_db), {}, None)).item
    await adjust_points(UnitOfWork(clean_db), str(customer.id), 100, "start", "w-1", "test")
    cart = [CartLine("A", 1, 1000)]
    await hold_points(UnitOfWork(clean_db), str(customer.id), 40, "w-hold", "O-1", cart, ttl_s=60)
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE holds SET expires_at = now() - interval '1 second'"))
    caplog.set_level(logging.INFO, logger="tessera.actors")
    # When a worker runs the sweep
    message = actors.expire_holds.send()
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    # Then the hold expired and its points are spendable again
    assert "1 hold(s) expired" in caplog.messages
    async with clean_db.connect() as conn:
        held = (await conn.execute(text("SELECT held FROM point_accounts"))).scalar_one()
        status = (await conn.execute(text("SELECT status FROM holds"))).scalar_one()
    assert (held, status) == (0, "EXPIRED")


async def test_the_scheduler_sends_the_hold_sweep_every_minute(
    clean_db: AsyncEngine, actors: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the scheduler's jobs
    scheduler = BackgroundScheduler(timezone=UTC)
    add_jobs(scheduler, actors)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "expire_holds",
        "expire_points",
        "audit_ledger",
        "run_gift_schedules",
        "evaluate_tiers",
        "compute_rfm",
        "resync_badges",
        "recover_messages",
        "dispatch_events",
        "remind_expiring_points",
        "notice_promotion_starts",
        "run_funnels",
        "roll_up_ledger",
        "send_webhooks",
        "resume_import_jobs",
        "delete_import_uploads",
    }
    # Then the sweep is due within the next minute and again a minute later
    now = datetime.now(UTC)
    first = jobs["expire_holds"].trigger.get_next_fire_time(None, now)
    second = jobs["expire_holds"].trigger.get_next_fire_time(first, first)
    assert now < first <= now + timedelta(minutes=1)
    assert second - first == timedelta(minutes=1)
    # And the audit runs once a day, and points expire daily at 00:05 UTC
    audit = jobs["audit_ledger"].trigger.get_next_fire_time(None, now)
    assert audit - now <= timedelta(days=1)
    expiry = jobs["expire_points"].trigger.get_next_fire_time(None, now)
    assert (expiry.hour, expiry.minute) == (0, 5) and expiry - now <= timedelta(days=1)
    # Given a hold past its time, when the sweep job fires and a worker takes its message
    customer = (await create_customer(UnitOfWork(clean_db), {}, None)).item
    await adjust_points(UnitOfWork(clean_db), str(customer.id), 100, "start", "s-1", "test")
    cart = [CartLine("A", 1, 1000)]
    await hold_points(UnitOfWork(clean_db), str(customer.id), 40, "s-hold", "O-1", cart, ttl_s=60)
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE holds SET expires_at = now() - interval '1 second'"))
    caplog.set_level(logging.INFO, logger="tessera.actors")
    message = jobs["expire_holds"].func()
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    # Then the held points are free again
    assert "1 hold(s) expired" in caplog.messages


async def test_two_workers_expire_points_past_their_date_once(
    clean_db: AsyncEngine, actors: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    # Given 300 customers whose lots of 10 points passed their date
    async with clean_db.begin() as conn:
        await conn.execute(text(SEED_CUSTOMERS_WITH_DUE_LOTS), {"n": 300, "points": 10})
    caplog.set_level(logging.INFO, logger="tessera.actors")
    # When the expiry is sent twice (two schedulers, say) and a worker with two threads runs
    # both messages at once
    actors.expire_points.send()
    message = actors.expire_points.send()
    await asyncio.to_thread(run_worker_until_idle, actors, message, 2)
    # Then the points expired once: 3000 in all, one EXPIRY entry per customer
    expired = [m for m in caplog.messages if "point(s) expired" in m]
    assert len(expired) == 2
    async with clean_db.connect() as conn:
        entries, points = (
            await conn.execute(
                text("SELECT count(*), -sum(points) FROM ledger_entries WHERE kind = 'EXPIRY'")
            )
        ).one()
    assert (entries, points) == (300, 3000)
    await assert_ledger_sound(clean_db)


async def test_the_worker_pays_a_due_gift_period_once_even_when_sent_twice(
    clean_db: AsyncEngine, actors: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    # Given two customers and an hourly gift of 5 points made over an hour ago
    for _ in range(2):
        await create_customer(UnitOfWork(clean_db), {}, None)
    spec = GiftScheduleSpec("Hourly", "0 * * * *", 5, "Hourly thanks")
    await create_gift_schedule(UnitOfWork(clean_db), spec, "hourly")
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE gift_schedules SET runs_from = now() - interval '2 hours'"))
    caplog.set_level(logging.INFO, logger="tessera.actors")
    # When the scheduler's job sends the message twice and a worker (two threads) takes both
    scheduler = BackgroundScheduler(timezone=UTC)
    add_jobs(scheduler, actors)
    job = scheduler.get_job("run_gift_schedules")
    job.func()
    message = job.func()
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    # Then the period was paid once: 5 points each, one run
    async with clean_db.connect() as conn:
        found = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM gift_runs), "
                    "(SELECT array_agg(balance ORDER BY customer_id) FROM point_accounts)"
                )
            )
        ).one()
    assert (found[0], found[1]) == (1, [5, 5])
    paid = [m for m in caplog.messages if m.startswith("gift schedule 'Hourly' paid")]
    assert len(paid) == 1 and "2 customer(s) credited, 0 skipped" in paid[0]


async def test_the_worker_places_customers_by_the_tier_rules(
    clean_db: AsyncEngine, actors: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a customer with 150 points earned and the ladder Base 0, Silver 100 points
    customer = (await create_customer(UnitOfWork(clean_db), {}, None)).item
    await adjust_points(UnitOfWork(clean_db), str(customer.id), 150, "n", "t-1", "test")
    silver = (await create_category(UnitOfWork(clean_db), "Silver", "1", False)).item
    rungs = [RungInput(str(customer.category_id), 0), RungInput(str(silver.id), 100)]
    await set_tier_rules(UnitOfWork(clean_db), TierMeasure.POINTS_EARNED, 30, rungs)
    caplog.set_level(logging.INFO, logger="tessera.actors")
    # When the daily job's message is taken by a worker, twice
    actors.evaluate_tiers.send()
    message = actors.evaluate_tiers.send()
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    # Then the customer is in Silver, moved once
    async with clean_db.connect() as conn:
        category = (await conn.execute(text("SELECT category_id FROM customers"))).scalar_one()
    assert category == silver.id
    assert sorted(m for m in caplog.messages if m.startswith("tier rules moved")) == [
        "tier rules moved 0 customer(s)",
        "tier rules moved 1 customer(s)",
    ]


CREATE_GOLD = """mutation {
  createBadge(input: {title: "Gold", minPoints: 500, idempotencyKey: "g"}) {
  badge { id resync { generation status customersDone customersTotal unlockedCount } }
  unlockedCount userErrors { code } } }"""
GOLD_RESYNC = """{ badges { resync { generation status customersDone customersTotal unlockedCount
  lostCount startedAt finishedAt } } }"""


async def test_the_worker_finishes_a_badge_resync_the_api_handed_over(
    clean_db: AsyncEngine, actors: ModuleType, database_url: str, broker_url: str
) -> None:
    # Given 12,000 customers with 0-999 points, and an API on a broker whose badge changes
    # hand their re-sync straight to the workers (no time for it in the request)
    await seed_customers(clean_db, 12_000)
    token = await create_staff_token(UnitOfWork(clean_db), "marketer", "m")
    async with (
        running_server(database_url, broker_url=broker_url, badge_resync_inline_s=0) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        gql = GraphQLClient(http, token)
        # When Gold 500+ is created
        created = (await gql.data(CREATE_GOLD))["createBadge"]
        # Then the badge is there at once, its re-sync under way
        resync = created["badge"]["resync"]
        assert (resync["status"], resync["customersDone"], resync["customersTotal"]) == (
            "RUNNING",
            0,
            12_000,
        )
        assert created["unlockedCount"] == resync["unlockedCount"] == 0
        # When a worker takes the message the API sent
        await asyncio.to_thread(run_worker_until_idle, actors, actors.resync_badge.message(0, 0))
        # Then the re-sync is done, with every customer
        [done] = [b["resync"] for b in (await gql.data(GOLD_RESYNC))["badges"]]
    async with clean_db.connect() as conn:
        due = await conn.execute(text("SELECT count(*) FROM point_accounts WHERE balance >= 500"))
        unlocked = due.scalar_one()
    assert done["status"] == "DONE" and done["finishedAt"] is not None
    assert (done["customersDone"], done["unlockedCount"], done["lostCount"]) == (
        12_000,
        unlocked,
        0,
    )
    await assert_badges_sound(clean_db)


async def test_a_badge_resync_sent_twice_or_left_idle_is_finished_once(
    clean_db: AsyncEngine, actors: ModuleType
) -> None:
    # Given 3,000 customers and Gold 500+, its re-sync handed over to a message that was lost
    await seed_customers(clean_db, 3_000)

    async def lost(badge_id: int, generation: int) -> None:
        pass

    gold = await create_badge(
        UnitOfWork(clean_db), BadgeSpec("Gold", 500), "g", Handover(lost, inline_s=0)
    )
    assert gold.resync is not None
    assert (gold.resync.customers_total, gold.resync.customers_done) == (3_000, 0)
    # When it has not moved for two minutes, and the periodic sweep and two late copies of
    # the handover's message are taken by two worker threads at once
    async with clean_db.begin() as conn:
        await conn.execute(
            text("UPDATE badge_resyncs SET progressed_at = now() - interval '2 minutes'")
        )
    actors.resync_badge.send(gold.badge.id, 1)
    actors.resync_badge.send(gold.badge.id, 1)
    message = actors.resync_badges.send()
    await asyncio.to_thread(run_worker_until_idle, actors, message, 2)
    # Then the re-sync is done, each customer re-synced once, each unlock logged once
    progress = (await resync_progress(UnitOfWork(clean_db), [gold.badge.id]))[gold.badge.id]
    assert progress.finished and progress.customers_done == 3_000
    await assert_badges_sound(clean_db)
