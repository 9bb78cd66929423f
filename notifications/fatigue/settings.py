"""Reading and setting the program's messaging limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.program import PROGRAM_ID
from domain.uow import UnitOfWork
from notifications.fatigue.models import (
    Cap,
    ChannelLimits,
    LimitChannel,
    MessagingLimits,
    PeriodUnit,
    QuietHours,
)
from notifications.fatigue.tables import messaging_limits
from notifications.fatigue.validation import LimitsSpec, check_limits

PROGRAM_SCOPE = "PROGRAM"


async def get_messaging_limits(uow: UnitOfWork) -> MessagingLimits:
    """The program's limits (none until a marketer sets them)."""
    async with uow:
        return await read_limits(uow)


async def read_limits(uow: UnitOfWork) -> MessagingLimits:
    """The program's limits, in the open unit of work (a sender's claim)."""
    rows = await uow.execute(
        select(messaging_limits).where(messaging_limits.c.program_id == PROGRAM_ID)
    )
    return _limits({row.scope: row for row in rows})


async def set_messaging_limits(uow: UnitOfWork, spec: LimitsSpec, actor: str) -> MessagingLimits:
    """Replace the limits whole with `spec` (what it leaves out is none); a DomainError
    naming each field at fault writes nothing. Messages already deferred keep their time
    and are decided again by the new limits when it comes."""
    return await run(uow, SetLimits(check_limits(spec), actor))


@dataclass(frozen=True)
class SetLimits(Command[MessagingLimits]):
    """One upsert of every scope's row: two concurrent sets never collide, the last wins."""

    limits: MessagingLimits
    actor: str

    async def handle(self, uow: UnitOfWork) -> MessagingLimits:
        rows = [_row(PROGRAM_SCOPE, None, self.limits.quiet_hours, self.limits.default_time_zone)]
        for channel in LimitChannel:
            limits = self.limits.channel(channel)
            rows.append(_row(channel.value, limits.cap, limits.quiet_hours, None))
        for row in rows:
            row.update(program_id=PROGRAM_ID, updated_by=self.actor)
        statement = insert(messaging_limits).values(rows)
        changed = {c: statement.excluded[c] for c in rows[0] if c not in ("program_id", "scope")}
        upsert = statement.on_conflict_do_update(
            index_elements=["program_id", "scope"], set_={**changed, "updated_at": func.now()}
        ).returning(messaging_limits)
        written = await uow.execute(upsert)
        return _limits({row.scope: row for row in written})


def _row(scope: str, cap: Cap | None, quiet: QuietHours | None, zone: str | None) -> dict[str, Any]:
    return {
        "scope": scope,
        "cap_messages": cap and cap.max_messages,
        "cap_period": cap and cap.period,
        "cap_period_unit": cap and cap.unit.value,
        "quiet_start": quiet and quiet.start,
        "quiet_end": quiet and quiet.end,
        "time_zone": zone,
    }


def _limits(rows: dict[str, Any]) -> MessagingLimits:
    program = rows.get(PROGRAM_SCOPE)
    channels = {
        channel: ChannelLimits(
            cap=_cap(rows[channel.value]), quiet_hours=_quiet(rows[channel.value])
        )
        for channel in LimitChannel
        if channel.value in rows
    }
    stamped = [r for r in rows.values() if r.updated_at is not None]
    latest = max(stamped, key=lambda r: r.updated_at, default=None)
    return MessagingLimits(
        default_time_zone=program.time_zone if program else None,
        quiet_hours=_quiet(program) if program else None,
        channels=channels,
        updated_at=latest.updated_at if latest else None,
        updated_by=latest.updated_by if latest else None,
    )


def _cap(row: Any) -> Cap | None:
    if row.cap_messages is None:
        return None
    return Cap(row.cap_messages, row.cap_period, PeriodUnit(row.cap_period_unit))


def _quiet(row: Any) -> QuietHours | None:
    return None if row.quiet_start is None else QuietHours(row.quiet_start, row.quiet_end)
