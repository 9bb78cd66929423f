"""The notices' settings: the large-adjustment threshold."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.errors import Problems
from domain.uow import UnitOfWork
from notifications.notices.models import (
    DEFAULT_LARGE_ADJUSTMENT_POINTS,
    NoticeSettings,
    check_threshold,
)
from notifications.notices.tables import notice_settings


async def current_settings(uow: UnitOfWork) -> NoticeSettings:
    """The settings as they are now (the defaults until someone sets them), read in the
    caller's open unit of work."""
    row = (await uow.execute(select(notice_settings))).one_or_none()
    if row is None:
        return NoticeSettings(DEFAULT_LARGE_ADJUSTMENT_POINTS, None, None)
    return NoticeSettings(row.large_adjustment_points, row.actor, row.updated_at)


async def read_settings(uow: UnitOfWork) -> NoticeSettings:
    """current_settings in a unit of work of its own."""
    async with uow:
        return await current_settings(uow)


async def set_large_adjustment_threshold(
    uow: UnitOfWork, points: int, actor: str
) -> NoticeSettings:
    """From now on, a manual adjustment (credit or debit) of at least `points` points is
    noticed (adjustments already noticed or not stay as they were); `points` is 1 to the
    most one adjustment can move (OUT_OF_RANGE on `points` otherwise). Setting the same
    value again changes nothing but who set it."""
    problems = Problems()
    checked = check_threshold(problems, "points", points)
    problems.raise_if_any()
    return await run(uow, SetThreshold(checked, actor))


@dataclass(frozen=True)
class SetThreshold(Command[NoticeSettings]):
    points: int
    actor: str

    async def handle(self, uow: UnitOfWork) -> NoticeSettings:
        values = {"large_adjustment_points": self.points, "actor": self.actor}
        row = (
            await uow.execute(
                insert(notice_settings)
                .values(id=1, **values)
                .on_conflict_do_update(
                    index_elements=["id"], set_={**values, "updated_at": func.now()}
                )
                .returning(notice_settings)
            )
        ).one()
        return NoticeSettings(row.large_adjustment_points, row.actor, row.updated_at)
