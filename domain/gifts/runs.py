"""Running gift schedules: each due period is paid once, to every matching customer at once.

A run claims its (schedule, period) row in the same transaction as its credits, so a period
is paid exactly once whatever the workers, restarts and duplicate messages do: a second
worker's claim waits for the first one's transaction and then finds the period taken (or,
if the first one failed, takes it). Only the latest due period is paid: a period missed
while everything was down is paid once on return; older missed ones are not replayed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text

from domain.customers.repository import filtered_ids
from domain.gifts.models import GiftRun, GiftSchedule, schedule_of
from domain.gifts.services import last_periods
from domain.gifts.tables import gift_schedules
from domain.ledger.bulk import BulkCredit, credit_many
from domain.ledger.kinds import EntryKind
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class PaidPeriod:
    schedule_id: int
    name: str
    run: GiftRun


async def run_gift_schedules(uow: UnitOfWork, now: datetime | None = None) -> list[PaidPeriod]:
    """Pay the due period of every active schedule (see GiftSchedule.due_period) and return
    the runs this call made. Idempotent and safe on several workers at once: each period
    is paid once; a call that finds nothing due, or finds another worker paid it, does
    nothing. Each period is its own transaction."""
    moment = now or datetime.now(UTC)
    async with uow:
        schedules = await _active_schedules(uow)
    paid: list[PaidPeriod] = []
    for schedule in schedules:
        period = schedule.due_period(moment)
        if period is None:
            continue
        run = await _pay_period(uow, schedule.id, period, moment)
        if run is not None:
            paid.append(PaidPeriod(schedule.id, schedule.spec.name, run))
    return paid


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


async def _pay_period(
    uow: UnitOfWork, schedule_id: int, period: datetime, now: datetime
) -> GiftRun | None:
    """Claim and pay one period in one transaction; None when it was not (or no longer)
    owed: the schedule changed meanwhile, or another worker paid it."""
    async with uow:
        # A share lock: a concurrent update of the schedule waits for the run, and the run
        # pays what the schedule says once its lock is held.
        row = (
            await uow.execute(
                select(gift_schedules)
                .where(gift_schedules.c.id == schedule_id)
                .with_for_update(read=True)
            )
        ).one()
        last = await last_periods(uow, [schedule_id])
        schedule = schedule_of(row, last.get(schedule_id))
        if schedule.due_period(now) != period:
            return None
        claim = {"schedule_id": schedule_id, "period": period}
        run_id = (await uow.execute(_CLAIM, claim)).scalar()
        if run_id is None:
            return None
        credited = await credit_many(
            uow,
            BulkCredit(
                points=schedule.spec.points,
                kind=EntryKind.GIFT,
                actor=f"gift-schedule:{schedule_id}",
                note=schedule.spec.description,
                source_type="gift_run",
                source_ref=str(run_id),
                key_prefix=f"gift:{run_id}:",
            ),
            await _recipients(uow, schedule),
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
        await uow.commit()
    return GiftRun(**finished._asdict())


async def _recipients(uow: UnitOfWork, schedule: GiftSchedule) -> list[int]:
    """The ids of the customers the schedule's filter matches now."""
    found = await uow.execute(filtered_ids(schedule.spec.filter.conditions()))
    return list(found.scalars())
