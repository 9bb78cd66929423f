"""`tessera scheduler`: sends the periodic jobs to the broker when they are due.

The jobs are Dramatiq actors (tessera/actors.py) that are idempotent and safe to run on
several workers at once, so a message sent twice (two schedulers, a restart inside the same
minute) does no harm; a message the scheduler could not send is sent again at the next tick.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
from dataclasses import dataclass
from datetime import UTC
from types import ModuleType

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from tessera.embedded import ensure_broker_url, ensure_database_url
from tessera.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    actor: str  # an actor's name in tessera.actors
    cron: str  # crontab fields, minute hour day month weekday, in UTC


SCHEDULE: tuple[Periodic, ...] = (
    Periodic("expire_holds", "* * * * *"),  # every minute: held points free again soon
    Periodic("expire_points", "5 0 * * *"),  # daily, just after lots expire at 00:00 UTC
    Periodic("audit_ledger", "17 3 * * *"),  # nightly, off the hour
    Periodic("run_gift_schedules", "* * * * *"),  # every minute: gifts paid within the minute
    Periodic("evaluate_tiers", "41 2 * * *"),  # daily, off the hour
    Periodic("compute_rfm", "23 1 * * *"),  # daily, off the hour, before the working day
    Periodic("resync_badges", "* * * * *"),  # every minute: a lost badge re-sync goes on
    Periodic("recover_messages", "* * * * *"),  # every minute: crashed sends settled
    # Every minute; each run polls for 50 s, so one is almost always taking new events.
    Periodic("dispatch_events", "* * * * *"),
    # Every minute; each run posts due webhook deliveries for 50 s.
    Periodic("send_webhooks", "* * * * *"),
    Periodic("remind_expiring_points", "0 8 * * *"),  # daily, at a decent hour in Europe
    Periodic("notice_promotion_starts", "* * * * *"),  # every minute: staff hear of a start
    # Every minute; each run works for 50 s: waits end, schedules fire, steps run.
    Periodic("run_funnels", "* * * * *"),
    # Every minute: an entry is in the ledger's rollups (what reports read) within minutes.
    Periodic("roll_up_ledger", "* * * * *"),
    # Every minute: an import job whose worker died goes on within a minute or two.
    Periodic("resume_import_jobs", "* * * * *"),
    Periodic("delete_import_uploads", "37 * * * *"),  # hourly: uploads are kept a day
)


def add_jobs(scheduler: BaseScheduler, actors: ModuleType) -> None:
    """Schedule every periodic job on `scheduler`: each sends its actor's message."""
    for job in SCHEDULE:
        actor = getattr(actors, job.actor)
        scheduler.add_job(
            actor.send,
            CronTrigger.from_crontab(job.cron, timezone=UTC),
            id=job.actor,
            name=f"send {job.actor}",
            coalesce=True,  # after a pause, one message, not one per missed tick
            max_instances=1,
            misfire_grace_time=30,
        )


def run_scheduler(settings: Settings) -> int:
    """Send the periodic jobs until stopped (SIGINT/SIGTERM). Run one beside the workers."""
    os.environ["TESSERA_BROKER_URL"] = ensure_broker_url(settings)
    os.environ["TESSERA_DATABASE_URL"] = ensure_database_url(settings)
    actors = importlib.import_module("tessera.actors")
    scheduler = BlockingScheduler(timezone=UTC)
    add_jobs(scheduler, actors)
    for job in SCHEDULE:
        logger.info("scheduled %s at '%s' (UTC)", job.actor, job.cron)

    def stop(signum: int, frame: object) -> None:
        logger.info("stopping the scheduler")
        if not scheduler.running:
            raise SystemExit(0)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()  # returns once stopped
    return 0
