"""The program's return on investment for a period, by shop and channel.

Figures (docs/reports.md, "ROI", gives each one's SQL):

- member revenue: orders made (PAID or COMPLETED) that occurred in the period at or after
  the customer registered, each net of its refunds; orders, average order value, active
  members (with such an order), purchase frequency (orders per active member) and repeat
  rate (the share of active members with two orders or more);
- program cost: points that paid at the till (at the value they paid), voucher discounts
  (batch, conversion and reward vouchers: what they took off when used), the line discounts
  recorded on orders (member prices from price rules, discount cards, current discounts),
  and gift and bonus points (credits of GIFT, ACTION and MANUAL entries) at today's
  redemption value;
- liability change (every entry's points in the period) and breakage (points expired),
  in points and at today's redemption value;
- incremental revenue against the pre-join baseline: for each member whose shop reported
  orders from before they registered, their member revenue in the period less their revenue
  in the equally long stretch just before they registered; members without pre-join orders
  have no baseline and add nothing to it;
- ROI = (incremental revenue - cost) / cost.

Per shop and channel: the sales and the costs that belong to an order (a redemption or a
voucher use takes its order's channel); bonus points, new members, the baseline and ROI are
for the whole program only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.analytics import roi_sql
from domain.analytics.periods import check_bounded
from domain.errors import Problems
from domain.ledger.rollup_reads import rolled_to
from domain.program import PROGRAM_ID
from domain.reports.periods import Period
from domain.uow import UnitOfWork, read_only


def _ratio(numerator: int, denominator: int, places: str) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class Sales:
    revenue_minor: int = 0
    orders: int = 0
    active_members: int = 0
    repeaters: int = 0

    @property
    def average_order_minor(self) -> int | None:
        """revenue / orders, rounded half up (None without orders)."""
        ratio = _ratio(self.revenue_minor, self.orders, "1")
        return None if ratio is None else int(ratio)

    @property
    def purchase_frequency(self) -> Decimal | None:
        """orders / active members, to 2 decimals."""
        return _ratio(self.orders, self.active_members, "0.01")

    @property
    def repeat_rate(self) -> Decimal | None:
        """repeaters / active members, to 4 decimals."""
        return _ratio(self.repeaters, self.active_members, "0.0001")


@dataclass(frozen=True)
class Costs:
    points_paid_minor: int = 0
    vouchers_minor: int = 0
    member_prices_minor: int = 0
    card_discounts_minor: int = 0
    current_discounts_minor: int = 0

    @property
    def total_minor(self) -> int:
        return (
            self.points_paid_minor
            + self.vouchers_minor
            + self.member_prices_minor
            + self.card_discounts_minor
            + self.current_discounts_minor
        )


@dataclass(frozen=True)
class RoiRow:
    """A shop and channel's figures (both None: the whole program's)."""

    shop: str | None
    channel: str | None
    sales: Sales = field(default_factory=Sales)
    costs: Costs = field(default_factory=Costs)


@dataclass(frozen=True)
class Roi:
    since: Any
    until: Any
    rows: list[RoiRow]
    total: RoiRow
    new_members: int
    bonus_points: int
    bonus_value_minor: int
    liability_change_points: int
    liability_change_minor: int
    expired_points: int
    breakage_minor: int
    baselined_members: int
    baselined_revenue_minor: int
    baseline_minor: int

    @property
    def incremental_revenue_minor(self) -> int:
        return self.baselined_revenue_minor - self.baseline_minor

    @property
    def cost_minor(self) -> int:
        return self.total.costs.total_minor + self.bonus_value_minor

    @property
    def roi(self) -> Decimal | None:
        """(incremental revenue - cost) / cost, to 4 decimals (None without cost)."""
        return _ratio(self.incremental_revenue_minor - self.cost_minor, self.cost_minor, "0.0001")


def _value(points: int, points_per_unit: int, value_per_unit_minor: int) -> int:
    """What points are worth at the redemption rate, rounded down (as a redemption pays)."""
    return points * value_per_unit_minor // points_per_unit


async def roi_report(uow: UnitOfWork, period: Period) -> Roi:
    """The ROI figures of `period` (both bounds required), every statement reading one
    snapshot (a read-only REPEATABLE READ transaction), so the figures agree."""
    problems = Problems()
    since, until = check_bounded(problems, period)
    problems.raise_if_any()
    params = {"since": since, "until": until, "program": PROGRAM_ID}

    async def fetch(u: UnitOfWork) -> tuple[Sequence[Any], Sequence[Any], Any]:
        sales = (await u.execute(roi_sql.SALES, params)).all()
        costs = (await u.execute(roi_sql.COSTS, params)).all()
        ledger = {**params, "rolled_to": await rolled_to(u)}
        program = (await u.execute(roi_sql.PROGRAM, ledger)).one()
        return sales, costs, program

    sales, costs, p = await read_only(uow, fetch)
    rows: dict[tuple[str | None, str | None], RoiRow] = {}
    for s in sales:
        key = (s.shop, s.channel)
        rows[key] = RoiRow(*key, Sales(s.revenue_minor, s.orders, s.active, s.repeaters))
    for c in costs:
        key = (c.shop, c.channel)
        given = Costs(*tuple(c)[2:])
        rows[key] = RoiRow(*key, rows.get(key, RoiRow(*key)).sales, given)
    total = rows.pop((None, None), RoiRow(None, None))
    rate = (p.points_per_unit, p.value_per_unit_minor)
    return Roi(
        since=since,
        until=until,
        rows=sorted(rows.values(), key=lambda r: (r.shop or "", r.channel or "")),
        total=total,
        new_members=p.new_members,
        bonus_points=p.bonus_points,
        bonus_value_minor=_value(p.bonus_points, *rate),
        liability_change_points=p.liability_change_points,
        liability_change_minor=_value(p.liability_change_points, *rate),
        expired_points=p.expired_points,
        breakage_minor=_value(p.expired_points, *rate),
        baselined_members=p.baselined_members,
        baselined_revenue_minor=p.baselined_revenue_minor,
        baseline_minor=p.baseline_minor,
    )
