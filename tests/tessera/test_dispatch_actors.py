"""Given built-in notifications on, when real Dramatiq workers run `dispatch_events` and
`remind_expiring_points` on the session's broker, then the messages of new events and of
expiring points are made once and sent (the sandbox captures them), and the scheduler
sends both actors."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.services import adjust_points
from domain.ledger.validity import update_expiry_rule
from domain.uow import UnitOfWork
from notifications.builtins.models import BuiltInKind
from notifications.delivery.models import Status
from notifications.notices.models import RecipientSpec
from notifications.notices.recipients import add_recipient
from tessera.scheduler import add_jobs
from tests.support.builtins import customer, email_template, messages_of, purchase, switch_on
from tests.tessera.test_worker import actors, run_worker_until_idle

__all__ = ["actors"]  # the fixture, used by name


@pytest.fixture(autouse=True)
def sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TESSERA_SMTP_URL", "TESSERA_TWILIO_ACCOUNT_SID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TESSERA_SHOP_NAME", "Bottega Verde")


async def test_two_dispatch_runs_at_once_make_and_send_each_message_once(
    actors: ModuleType, clean_db: AsyncEngine
) -> None:
    # Given "points earned" on and ten customers' purchases
    template = await email_template(
        clean_db, {"en-US": ("+[points_earned] at [shop_name]", "[points]")}
    )
    await switch_on(clean_db, BuiltInKind.POINTS_EARNED, email=template)
    ids = [await customer(clean_db, f"c{n}") for n in range(10)]
    for cid in ids:
        await purchase(clean_db, cid, f"O-{cid}", 2500)
    # When two dispatch runs of a second each are taken by a worker with two threads
    first = actors.dispatch_events.send(1.0)
    actors.dispatch_events.send(1.0)
    await asyncio.to_thread(run_worker_until_idle, actors, first, 2)
    # Then each purchase made one message, sent by send_message: captured by the sandbox
    made = await messages_of(clean_db)
    assert sorted(m.customer_id or 0 for m in made) == sorted(ids)
    assert {(m.status, m.content["subject"]) for m in made} == {
        (Status.CAPTURED, "+25 at Bottega Verde")
    }


async def test_the_daily_reminder_sends_the_points_expiring_in_n_days(
    actors: ModuleType, clean_db: AsyncEngine
) -> None:
    # Given points valid 10 days (a lot credited today expires 11 days from today, at
    # 00:00 UTC), and a reminder 11 days before
    await update_expiry_rule(UnitOfWork(clean_db), 10, None)
    template = await email_template(clean_db, {"en-US": ("[points_expiring] expire", "x")})
    await switch_on(clean_db, BuiltInKind.POINTS_EXPIRING, email=template, days_before=11)
    ann = await customer(clean_db, "ann")
    await adjust_points(UnitOfWork(clean_db), str(ann), 40, "test", "k", "test")
    # When the worker runs the daily job
    message = actors.remind_expiring_points.send()
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    # Then Ann is reminded, and the message sent (captured)
    [made] = await messages_of(clean_db, ann)
    assert (made.status, made.content["subject"]) == (Status.CAPTURED, "40 expire")
    lot_date = datetime.now(UTC).date() + timedelta(days=11)
    assert made.dedupe_key == f"expiring:{ann}:{lot_date.isoformat()}:EMAIL"


def test_the_scheduler_sends_the_dispatcher_every_minute_and_the_reminder_daily(
    actors: ModuleType,
) -> None:
    scheduler = BackgroundScheduler(timezone=UTC)
    add_jobs(scheduler, actors)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    now = datetime.now(UTC)
    first = jobs["dispatch_events"].trigger.get_next_fire_time(None, now)
    second = jobs["dispatch_events"].trigger.get_next_fire_time(first, first)
    assert second - first == timedelta(minutes=1)
    reminder = jobs["remind_expiring_points"].trigger.get_next_fire_time(None, now)
    assert (reminder.hour, reminder.minute) == (8, 0) and reminder - now <= timedelta(days=1)


async def test_the_workers_dispatcher_also_makes_the_staff_notices(
    actors: ModuleType, clean_db: AsyncEngine
) -> None:
    # Given head office receives large adjustments (1,000 points and more by default)
    spec = RecipientSpec(email="hq@shop.example", kinds=("LARGE_ADJUSTMENT",), shop=None)
    await add_recipient(UnitOfWork(clean_db), spec, "hq")
    ann = await customer(clean_db, "ann")
    # When staff credit Ann 1,500 points and a worker runs the dispatcher
    await adjust_points(UnitOfWork(clean_db), str(ann), 1_500, "prize", "big", "staff:1:t")
    message = actors.dispatch_events.send(1.0)
    await asyncio.to_thread(run_worker_until_idle, actors, message)
    # Then head office has the notice, sent (captured: the sandbox), and no customer message
    made = await messages_of(clean_db)
    assert [(m.recipient, m.customer_id, m.status) for m in made] == [
        ("hq@shop.example", None, Status.CAPTURED)
    ]
    assert made[0].dedupe_key.startswith("notice:LARGE_ADJUSTMENT:")
