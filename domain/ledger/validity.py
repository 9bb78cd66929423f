"""The program's validity rule: how long earned points stay valid, and so the expiry date
of a new lot.

A lot opened at time t with a validity of N days (or N months) expires at the end of the
UTC day of t + N days (months): at 00:00 UTC the day after. So a daily run of the expiry job
shortly after midnight expires everything due that day, and a customer's points expire by
whole days. No validity configured (the default): lots never expire. A change of the
validity applies to lots opened afterwards; existing lots keep their dates, and points given
back to a lot (a cancelled or refunded spend) keep that lot's date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.commands import Command, run
from domain.errors import ErrorCode, Problems
from domain.ledger.tables import expiry_rules
from domain.program import PROGRAM_ID
from domain.uow import UnitOfWork

MAX_VALIDITY_DAYS = 3_660
MAX_VALIDITY_MONTHS = 120


def lot_expiry_sql(opened_at: str) -> str:
    """A SQL expression (timestamptz, or NULL: never) for when a lot opened at the SQL
    expression `opened_at` expires under the program's validity. Every statement that opens
    a lot uses it, set-based ones too: `INSERT INTO point_lots (..., expires_at) SELECT ...,
    {lot_expiry_sql("e.created_at")} FROM e`."""
    return f"""(SELECT (date_trunc('day', (({opened_at}) AT TIME ZONE 'UTC')
                          + make_interval(days => COALESCE(x.validity_days, 0),
                                          months => COALESCE(x.validity_months, 0)))
                        + interval '1 day') AT TIME ZONE 'UTC'
                  FROM expiry_rules x
                 WHERE x.id = {PROGRAM_ID}
                   AND (x.validity_days IS NOT NULL OR x.validity_months IS NOT NULL))"""


@dataclass(frozen=True)
class ExpiryRule:
    """How long earned points stay valid: days or months, or neither (never expire)."""

    validity_days: int | None = None
    validity_months: int | None = None
    updated_at: datetime | None = None


async def get_expiry_rule(uow: UnitOfWork) -> ExpiryRule:
    """The program's validity, in the open unit of work."""
    row = (
        await uow.execute(select(expiry_rules).where(expiry_rules.c.id == PROGRAM_ID))
    ).one_or_none()
    if row is None:
        return ExpiryRule()
    return ExpiryRule(row.validity_days, row.validity_months, row.updated_at)


async def read_expiry_rule(uow: UnitOfWork) -> ExpiryRule:
    """The program's validity of earned points (one unit of work, read only)."""
    async with uow:
        return await get_expiry_rule(uow)


async def update_expiry_rule(
    uow: UnitOfWork, validity_days: int | None, validity_months: int | None
) -> ExpiryRule:
    """Set how long points stay valid (days or months; neither: they never expire).

    Guarantees: lots opened from now on get the new expiry; lots already open keep theirs
    (points are never shortened or lengthened after they were earned)."""
    problems = Problems()
    if validity_days is not None and validity_months is not None:
        problems.add("validityMonths", ErrorCode.INVALID, "Give days or months, not both.")
    if validity_days is not None and not 0 < validity_days <= MAX_VALIDITY_DAYS:
        problems.add(
            "validityDays", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_VALIDITY_DAYS} days, or null."
        )
    if validity_months is not None and not 0 < validity_months <= MAX_VALIDITY_MONTHS:
        problems.add(
            "validityMonths",
            ErrorCode.OUT_OF_RANGE,
            f"1 to {MAX_VALIDITY_MONTHS} months, or null.",
        )
    problems.raise_if_any()
    return await run(uow, UpdateExpiryRule(validity_days, validity_months))


@dataclass(frozen=True)
class UpdateExpiryRule(Command[ExpiryRule]):
    validity_days: int | None
    validity_months: int | None

    async def handle(self, uow: UnitOfWork) -> ExpiryRule:
        values = {"validity_days": self.validity_days, "validity_months": self.validity_months}
        statement = pg_insert(expiry_rules).values(id=PROGRAM_ID, **values)
        await uow.execute(
            statement.on_conflict_do_update(
                index_elements=["id"], set_={**values, "updated_at": func.now()}
            )
        )
        return await get_expiry_rule(uow)
