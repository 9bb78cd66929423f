"""What the shop tells its customers at the top of their customer area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.commands import Command, run
from domain.errors import Problems
from domain.program import PROGRAM_ID
from domain.program.tables import customer_area_settings
from domain.uow import UnitOfWork
from domain.validation import optional_text

MAX_INTRODUCTION_LENGTH = 10_000


@dataclass(frozen=True)
class CustomerArea:
    introduction: str | None = None
    updated_at: datetime | None = None


async def get_customer_area(uow: UnitOfWork) -> CustomerArea:
    """The customer area's settings (empty until a manager writes them)."""
    async with uow:
        row = (
            await uow.execute(
                select(customer_area_settings).where(customer_area_settings.c.id == PROGRAM_ID)
            )
        ).one_or_none()
    return CustomerArea(row.introduction, row.updated_at) if row else CustomerArea()


async def update_customer_area(
    uow: UnitOfWork, introduction: str | None, actor: str
) -> CustomerArea:
    """Set the introduction text (blank or null removes it); at most 10,000 characters."""
    problems = Problems()
    text = optional_text(problems, "introduction", introduction, MAX_INTRODUCTION_LENGTH)
    problems.raise_if_any()
    return await run(uow, UpdateCustomerArea(text, actor))


@dataclass(frozen=True)
class UpdateCustomerArea(Command[CustomerArea]):
    introduction: str | None
    actor: str

    async def handle(self, uow: UnitOfWork) -> CustomerArea:
        values = {
            "introduction": self.introduction,
            "updated_at": func.now(),
            "updated_by": self.actor,
        }
        statement = pg_insert(customer_area_settings).values(id=PROGRAM_ID, **values)
        row = (
            await uow.execute(
                statement.on_conflict_do_update(index_elements=["id"], set_=values).returning(
                    customer_area_settings
                )
            )
        ).one()
        return CustomerArea(row.introduction, row.updated_at)
