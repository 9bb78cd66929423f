"""What the program owed over time: the outstanding points at the end of each day, week or
month of a period, and their value at the redemption rate, from the ledger's rollups (no
scan of the entries: domain/ledger/rollup_reads.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from domain.checkout.quote import RedemptionRules
from domain.checkout.rules import PROGRAM_ID
from domain.checkout.sql import REDEMPTION_RATE
from domain.ledger.rollup_reads import rolled_to
from domain.reports.periods import Granularity, Period
from domain.reports.totals import check_flow, flow_in_snapshot, points_before
from domain.uow import UnitOfWork, read_only

_RATE = text(REDEMPTION_RATE)


@dataclass(frozen=True)
class LiabilityAt:
    """The outstanding points (every customer's balance added up) at `at`, the end of the
    bucket that starts at `starts_at` (or the period's end, when it comes first), and
    their value at today's redemption rate, rounded down as a redemption rounds."""

    starts_at: datetime
    at: datetime
    balance: int
    value_minor: int


async def liability_history(
    uow: UnitOfWork, period: Period, granularity: Granularity, time_zone: str | None = None
) -> list[LiabilityAt]:
    """The liability at the end of each day, week or month of `time_zone` (UTC by
    default) in the period, oldest first, every bucket present, from one snapshot.

    Guarantees: each balance equals the sum of every entry created before its `at` (what
    report_totals gives as the balance at a period ending then). The value uses today's
    redemption rate: the ledger does not keep the rates of the past."""
    flow = check_flow(period, granularity, time_zone)

    async def read(uow: UnitOfWork) -> list[LiabilityAt]:
        watermark = await rolled_to(uow)
        buckets = await flow_in_snapshot(uow, flow, watermark)
        balance = await points_before(uow, flow.since, watermark)
        rate = (await uow.execute(_RATE, {"program": PROGRAM_ID})).one()
        rules = RedemptionRules(rate.points_per_unit, rate.value_per_unit_minor)
        history: list[LiabilityAt] = []
        for bucket in buckets:
            balance += bucket.flow.net
            at = min(bucket.ends_at, flow.until)
            history.append(LiabilityAt(bucket.starts_at, at, balance, rules.value_of(balance)))
        return history

    return await read_only(uow, read)
