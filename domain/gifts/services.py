"""Creating, changing and listing gift schedules; each write is one command."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.commands import Command, run
from domain.customers.repository import categories_by_id
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.gifts.models import (
    GiftRun,
    GiftSchedule,
    GiftScheduleSpec,
    check_spec,
    schedule_of,
)
from domain.gifts.tables import gift_runs, gift_schedules
from domain.idempotency import Created, request_digest, require_same
from domain.pagination import Page
from domain.segments import SegmentCatalog
from domain.uow import UnitOfWork, violated_constraint
from domain.validation import parse_id, required_text

_NAME_TAKEN = "uq_gift_schedules_name"
KEY_CONSTRAINT = "uq_gift_schedules_idempotency_key"


async def create_gift_schedule(
    uow: UnitOfWork,
    spec: GiftScheduleSpec,
    idempotency_key: str,
    segments: SegmentCatalog | None = None,
) -> Created[GiftSchedule]:
    """Add a schedule; every problem of its settings is reported at once (an invalid cron is
    INVALID_CRON naming its field; a saved segment that `segments` does not know, or any
    segment without `segments`, NOT_FOUND on filter.segment). It pays its first period
    after now, never one before.
    The same key replayed (also concurrently) returns the first schedule (replayed) and
    writes nothing; with other settings it is an IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    clean = check_spec(problems, spec)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, CreateGiftSchedule(clean, key, segments))


@dataclass(frozen=True)
class CreateGiftSchedule(Command[Created[GiftSchedule]]):
    spec: GiftScheduleSpec  # checked
    key: str
    segments: SegmentCatalog | None = None

    key_constraints = frozenset({KEY_CONSTRAINT})

    async def handle(self, uow: UnitOfWork) -> Created[GiftSchedule]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        await _check_categories(uow, self.spec)
        await _check_segment(uow, self.spec, self.segments)
        try:
            row = (
                await uow.execute(
                    insert(gift_schedules)
                    .values(
                        **self.spec.columns(),
                        idempotency_key=self.key,
                        request_digest=request_digest(self.spec),
                    )
                    .returning(gift_schedules)
                )
            ).one()
        except IntegrityError as error:
            raise _duplicate(error) from error
        return Created(schedule_of(row))

    async def replay(self, uow: UnitOfWork) -> Created[GiftSchedule] | None:
        """The schedule first created under the key (as it is now), if any."""
        query = select(gift_schedules).where(gift_schedules.c.idempotency_key == self.key)
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, request_digest(self.spec), "gift schedule")
        last = await last_periods(uow, [row.id])
        return Created(schedule_of(row, last.get(row.id)), replayed=True)


async def update_gift_schedule(
    uow: UnitOfWork,
    schedule_id: str,
    changes: dict[str, Any],
    segments: SegmentCatalog | None = None,
) -> GiftSchedule:
    """Change some settings (the others stay), all or nothing. Changing the cron, or making
    an inactive schedule active again, starts its periods afresh from now: periods before
    that are never paid. Past runs are not affected."""
    problems = Problems()
    sid = parse_id(problems, "id", schedule_id)
    problems.raise_if_any()
    return await run(uow, UpdateGiftSchedule(sid, changes, segments))


@dataclass(frozen=True)
class UpdateGiftSchedule(Command[GiftSchedule]):
    """Lock the schedule (a run of it waits), check its settings with the changes, write
    them."""

    schedule_id: int
    changes: dict[str, Any]
    segments: SegmentCatalog | None = None

    async def handle(self, uow: UnitOfWork) -> GiftSchedule:
        sid = self.schedule_id
        row = (
            await uow.execute(
                select(gift_schedules).where(gift_schedules.c.id == sid).with_for_update()
            )
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such gift schedule.")
        before = schedule_of(row).spec
        problems = Problems()
        clean = check_spec(problems, replace(before, **self.changes))
        if not clean.active and "cron" not in self.changes:
            # A cron saved before check_cron refused it never fires; it must not keep the
            # schedule from being paused (making it active again checks it).
            problems.items = [p for p in problems.items if p.field != "cron"]
        problems.raise_if_any()
        await _check_categories(uow, clean)
        if clean.filter.segment != before.filter.segment:
            await _check_segment(uow, clean, self.segments)
        values = clean.columns()
        if clean.cron != before.cron or (clean.active and not before.active):
            values["runs_from"] = func.now()
        try:
            row = (
                await uow.execute(
                    update(gift_schedules)
                    .where(gift_schedules.c.id == sid)
                    .values(**values, updated_at=func.now())
                    .returning(gift_schedules)
                )
            ).one()
        except IntegrityError as error:
            raise _duplicate(error) from error
        last = await last_periods(uow, [sid])
        return schedule_of(row, last.get(sid))


async def list_gift_schedules(
    uow: UnitOfWork, limit: int, after_id: int | None
) -> Page[GiftSchedule]:
    """Schedules in the order they were made, `limit` at a time after `after_id`, each with
    the period of its latest run."""
    query = select(gift_schedules).order_by(gift_schedules.c.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(gift_schedules.c.id > after_id)
    async with uow:
        rows = list(await uow.execute(query))
        last = await last_periods(uow, [r.id for r in rows])
    return Page.from_rows([schedule_of(r, last.get(r.id)) for r in rows], limit)


async def runs_of(
    uow: UnitOfWork, schedule_ids: Sequence[int], limit: int
) -> dict[int, list[GiftRun]]:
    """Each schedule's latest `limit` runs, newest period first, in one statement of the
    open unit of work."""
    ranked = (
        select(
            gift_runs,
            func.row_number()
            .over(partition_by=gift_runs.c.schedule_id, order_by=gift_runs.c.period.desc())
            .label("rank"),
        )
        .where(gift_runs.c.schedule_id.in_(list(schedule_ids)))
        .subquery()
    )
    query = (
        select(*[ranked.c[c.name] for c in gift_runs.columns])
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.schedule_id, ranked.c.period.desc())
    )
    found: dict[int, list[GiftRun]] = {sid: [] for sid in schedule_ids}
    for row in await uow.execute(query):
        found[row.schedule_id].append(GiftRun(**row._asdict()))
    return found


async def last_periods(uow: UnitOfWork, schedule_ids: list[int]) -> dict[int, Any]:
    """Each schedule's latest paid period (schedules never paid are left out)."""
    rows = await uow.execute(
        select(gift_runs.c.schedule_id, func.max(gift_runs.c.period).label("last_period"))
        .where(gift_runs.c.schedule_id.in_(schedule_ids))
        .group_by(gift_runs.c.schedule_id)
    )
    return {row.schedule_id: row.last_period for row in rows}


async def _check_categories(uow: UnitOfWork, spec: GiftScheduleSpec) -> None:
    wanted = [int(c) for c in spec.filter.category_ids or ()]
    known = await categories_by_id(uow, wanted)
    missing = [i for i, cid in enumerate(wanted) if cid not in known]
    if missing:
        raise DomainError(
            Problem(f"filter.categoryIds.{i}", ErrorCode.NOT_FOUND, "No such category.")
            for i in missing
        )


async def _check_segment(
    uow: UnitOfWork, spec: GiftScheduleSpec, segments: SegmentCatalog | None
) -> None:
    name = spec.filter.segment
    if name is not None and (segments is None or not await segments.exists(uow, name)):
        raise DomainError.one("filter.segment", ErrorCode.NOT_FOUND, f"No saved segment {name!r}.")


async def schedules_naming_segment(uow: UnitOfWork, name: str) -> list[str]:
    """The names of the gift schedules whose filter names the saved segment `name` (in the
    open unit of work): a segment in use is not deleted."""
    query = select(gift_schedules.c.name).where(gift_schedules.c.segment == name)
    return sorted(row[0] for row in await uow.execute(query))


def _duplicate(error: IntegrityError) -> DomainError:
    if violated_constraint(error) != _NAME_TAKEN:
        raise error
    return DomainError.one("name", ErrorCode.DUPLICATE, "A gift schedule with this name exists.")
