"""Running gift schedules: each due period is paid once, to every matching customer at once.

A run claims its (schedule, period) row in the same transaction as its credits (one
PayGiftPeriod command), so a period is paid exactly once whatever the workers, restarts and
duplicate messages do: a second worker's claim waits for the first one's transaction and
then finds the period taken (or, if the first one failed, takes it). Only the latest due
period is paid: a period missed while everything was down is paid once on return; older
missed ones are not replayed."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text

from domain.commands import Command, run
from domain.customers.repository import among, filtered_ids, not_erased
from domain.errors import DomainError, ErrorCode
from domain.events.types import GiftRunFinished
from domain.gifts import cron
from domain.gifts.models import GiftRun, GiftSchedule, schedule_of
from domain.gifts.services import last_periods
from domain.gifts.tables import gift_schedules
from domain.ledger.bulk import BulkCredit, credit_many
from domain.ledger.kinds import EntryKind
from domain.segments import SegmentCatalog
from domain.uow import UnitOfWork

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaidPeriod:
    schedule_id: int
    name: str
    run: GiftRun


async def run_gift_schedules(
    uow: UnitOfWork, now: datetime | None = None, segments: SegmentCatalog | None = None
) -> list[PaidPeriod]:
    """Pay the due period of every active schedule (see GiftSchedule.due_period) and return
    the runs this call made. Idempotent and safe on several workers at once: each period
    is paid once; a call that finds nothing due, or finds another worker paid it, does
    nothing. Each period is its own transaction. A schedule whose saved segment cannot be
    evaluated (no `segments` given, or its filter refused) is skipped and logged, its
    period left unclaimed for a later run; so is a schedule whose cron was saved before
    check_cron refused it (it never fires, see domain.gifts.cron; logged once an hour)."""
    moment = now or datetime.now(UTC)
    async with uow:
        schedules = await _active_schedules(uow)
    paid: list[PaidPeriod] = []
    for schedule in schedules:
        refused = cron.crontab_problem(schedule.spec.cron)
        if refused is not None:  # saved before check_cron refused it: it never fires
            _warn_refused_cron(schedule.id, schedule.spec.cron, refused)
            continue
        period = schedule.due_period(moment)
        if period is None:
            continue
        try:
            made = await run(uow, PayGiftPeriod(schedule.id, period, moment, segments))
        except DomainError as error:
            logger.warning("gift schedule %s not paid: %s", schedule.id, error)
            continue
        if made is not None:
            paid.append(PaidPeriod(schedule.id, schedule.spec.name, made))
    return paid


# When this process last warned of each schedule's refused cron: once an hour, not at every
# run of the minute job (1,440 lines a day) until someone fixes or pauses it.
REFUSED_CRON_WARNING_EVERY_S = 3600.0
_warned: dict[tuple[int, str], float] = {}


def _warn_refused_cron(schedule_id: int, expression: str, refused: str) -> None:
    now = time.monotonic()
    last = _warned.get((schedule_id, expression))
    if last is not None and now - last < REFUSED_CRON_WARNING_EVERY_S:
        return
    _warned[(schedule_id, expression)] = now
    logger.warning(
        "gift schedule %s not paid: its cron is refused (fix it with updateGiftSchedule, or "
        "pause the schedule; this is logged once an hour): %s",
        schedule_id,
        refused,
    )


async def _active_schedules(uow: UnitOfWork) -> list[GiftSchedule]:
    rows = (
        await uow.execute(
            select(gift_schedules).where(gift_schedules.c.active).order_by(gift_schedules.c.id)
        )
    ).all()
    last = await last_periods(uow, [row.id for row in rows])
    return [schedule_of(row, last.get(row.id)) for row in rows]


_CLAIM = text("""
    INSERT INTO gift_runs (schedule_id, period) VALUES (:schedule_id, :period)
    ON CONFLICT (schedule_id, period) DO NOTHING
    RETURNING id
""")

_FINISH = text("""
    UPDATE gift_runs SET finished_at = clock_timestamp(), customers_credited = :credited,
                         customers_skipped = :skipped, points_credited = :points
     WHERE id = :id
    RETURNING *
""")


@dataclass(frozen=True)
class PayGiftPeriod(Command[GiftRun | None]):
    """Claim and pay one period of a schedule in one transaction, with its GiftRunFinished
    event; None when it was not (or no longer) owed: the schedule changed meanwhile, or
    another worker paid it. The claim (a unique row per schedule and period) is the key, so
    there is nothing to replay."""

    schedule_id: int
    period: datetime
    now: datetime
    segments: SegmentCatalog | None = None

    async def handle(self, uow: UnitOfWork) -> GiftRun | None:
        # A share lock: a concurrent update of the schedule waits for the run, and the run
        # pays what the schedule says once its lock is held.
        row = (
            await uow.execute(
                select(gift_schedules)
                .where(gift_schedules.c.id == self.schedule_id)
                .with_for_update(read=True)
            )
        ).one()
        last = await last_periods(uow, [self.schedule_id])
        schedule = schedule_of(row, last.get(self.schedule_id))
        if schedule.due_period(self.now) != self.period:
            return None
        claim = {"schedule_id": self.schedule_id, "period": self.period}
        run_id = (await uow.execute(_CLAIM, claim)).scalar()
        if run_id is None:
            return None
        credited = await credit_many(
            uow,
            BulkCredit(
                points=schedule.spec.points,
                kind=EntryKind.GIFT,
                actor=f"gift-schedule:{self.schedule_id}",
                note=schedule.spec.description,
                source_type="gift_run",
                source_ref=str(run_id),
                key_prefix=f"gift:{run_id}:",
            ),
            await _recipients(uow, schedule, self.now, self.segments),
        )
        finished = (
            await uow.execute(
                _FINISH,
                {
                    "id": run_id,
                    "credited": credited.credited,
                    "skipped": credited.skipped,
                    "points": credited.points,
                },
            )
        ).one()
        paid = GiftRun(**finished._asdict())
        uow.record(
            GiftRunFinished(
                customer_id=None,
                run_id=paid.id,
                schedule_id=self.schedule_id,
                schedule_name=schedule.spec.name,
                period=paid.period.astimezone(UTC).isoformat(),
                customers_credited=paid.customers_credited,
                customers_skipped=paid.customers_skipped,
                points=paid.points_credited,
            )
        )
        return paid


async def _recipients(
    uow: UnitOfWork, schedule: GiftSchedule, now: datetime, segments: SegmentCatalog | None
) -> list[int]:
    """The ids of the customers the schedule's filter (and saved segment) matches now; an
    erased customer gets no gift."""
    conditions = [*schedule.spec.filter.conditions(), not_erased()]
    segment = schedule.spec.filter.segment
    if segment is not None:
        if segments is None:
            raise DomainError.one(
                "filter.segment", ErrorCode.NOT_FOUND, "Saved segments are not available here."
            )
        conditions.append(among(await segments.members(uow, segment, now)))
    found = await uow.execute(filtered_ids(conditions))
    return list(found.scalars())
