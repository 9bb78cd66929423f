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
- incremental revenue against the pre-join baseline: a member who made orders in the 365
  days before registering is baselined; they would have gone on spending at that rate, so
  their baseline is what those orders came to (net of refunds) times the part of the year
  they were a member during the period (seconds of membership in the period / seconds in
  365 days), summed over them and rounded half up once; incremental revenue is their member
  revenue in the period less the baseline; members without such orders add nothing;
- ROI = (incremental revenue - cost) / cost.

Per shop and channel: the sales and the costs that belong to an order (a redemption or a
voucher use takes its order's channel); bonus points, new members, the baseline and ROI are
for the whole program only."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import text

from domain import watermarks
from domain.analytics import buyer_sets, roi_rollups, roi_sql
from domain.analytics.buyer_sets import Repeats
from domain.analytics.periods import check_bounded, midnight, whole_days, whole_months
from domain.analytics.roi_figures import BUYERS, PRE_JOIN_SECONDS
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


@dataclass(frozen=True)
class _Reads:
    """Where the report reads each part of a period from: the clean whole days from
    roi_days (`days`), the buyer sets of clean whole months (`months`) and of the other
    clean days (`set_days`), and the rest from the rows: the orders' and costs' ranges
    (the cut ends and the dirty days) and the registrations' (likewise, by registration)."""

    days: list[date]
    months: list[date]
    set_days: list[date]
    order_ranges: list[tuple[datetime, datetime]]
    registration_ranges: list[tuple[datetime, datetime]]


def _reads(
    since: datetime, until: datetime, dirty: set[date], dirty_registrations: set[date]
) -> _Reads:
    lo, hi = whole_days(since, until)
    whole = [lo.date() + timedelta(days=n) for n in range((hi - lo).days)]
    clean = [d for d in whole if d not in dirty]
    first, end = whole_months(lo, hi)
    months = sorted(
        {d.replace(day=1) for d in whole if first <= d < end} - {d.replace(day=1) for d in dirty}
    )
    in_months = set(months)
    cut_end = min(lo, until)
    orders = [(since, cut_end)] if since < cut_end else []
    orders += [(midnight(d), midnight(d) + _DAY) for d in whole if d in dirty]
    if hi < until and hi >= lo:
        orders.append((hi, until))
    since_day = since.replace(hour=0, minute=0, second=0, microsecond=0)
    registrations = [(since_day, cut_end)] if since_day < cut_end else []
    registrations += [
        (midnight(d), midnight(d) + _DAY)
        for d in sorted(dirty_registrations)
        if d < since_day.date() or lo.date() <= d < hi.date()
    ]
    if hi < until and hi >= lo:
        registrations.append((hi, until))
    return _Reads(
        days=clean,
        months=months,
        set_days=[d for d in clean if d.replace(day=1) not in in_months],
        order_ranges=orders,
        registration_ranges=registrations,
    )


_DAY = timedelta(days=1)


def _ranges(ranges: list[tuple[datetime, datetime]]) -> dict[str, list[datetime]]:
    return {"range_lo": [r[0] for r in ranges], "range_hi": [r[1] for r in ranges]}


@dataclass(frozen=True)
class _Fetched:
    figures: Sequence[Any]
    sets: Sequence[Any]
    buyer_rows: Sequence[Any]
    baseline: Any
    program: Any


async def _fetch(u: UnitOfWork, since: datetime, until: datetime) -> _Fetched:
    """Every part of the report in the caller's snapshot (a read-only transaction)."""
    marks = {s: await watermarks.rolled_to(u, s) for s in roi_rollups.STREAMS}
    dirty = (await u.execute(roi_rollups.TOUCHED, roi_rollups.tail_bounds(marks))).one()
    reads = _reads(since, until, set(dirty.order_days), set(dirty.registration_days))
    period = {"since": since, "until": until}
    orders = _ranges(reads.order_ranges)
    figures = (await u.execute(roi_sql.SALES_AND_COSTS, {**orders, "days": reads.days})).all()
    sets_params = {"months": reads.months, "days": reads.set_days}
    sets = (await u.execute(roi_sql.BUYER_SETS, sets_params)).all()
    buyer_rows = (await u.execute(text(BUYERS), orders)).all() if reads.order_ranges else []
    lo, hi = whole_days(since, until)
    baseline = (
        await u.execute(
            roi_sql.BASELINE,
            {
                **period,
                **_ranges(reads.registration_ranges),
                "since_day": since.date(),
                "lo_day": lo.date(),
                "hi_day": hi.date(),
                "dirty": sorted(dirty.registration_days),
            },
        )
    ).one()
    ledger = {**period, "program": PROGRAM_ID, "rolled_to": await rolled_to(u)}
    program = (await u.execute(roi_sql.PROGRAM, ledger)).one()
    return _Fetched(figures, sets, buyer_rows, baseline, program)


def _buyers(fetched: _Fetched) -> tuple[dict[tuple[str, str], Repeats], Repeats]:
    """Each shop and channel's member buyers (seen, and twice or more) and all of them."""
    per_key: dict[tuple[str, str], Repeats] = defaultdict(Repeats)
    overall = Repeats()
    for s in fetched.sets:
        buyers, multi = buyer_sets.load(s.buyers), buyer_sets.load(s.multi)
        per_key[(s.shop, s.channel)].add(buyers, multi)
        overall.add(buyers, multi)
    counts: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    for r in fetched.buyer_rows:
        counts[(r.shop, r.channel)][r.customer_id] += r.orders
    for key, orders in counts.items():
        per_key[key].add_counts(orders.items())
        overall.add_counts(orders.items())
    return per_key, overall


async def roi_report(uow: UnitOfWork, period: Period) -> Roi:
    """The ROI figures of `period` (both bounds required), every statement reading one
    snapshot (a read-only REPEATABLE READ transaction), so the figures agree: the rollups
    for the clean whole days and months, the rows for the rest (the period's cut ends, and
    the days that rows above the rollups' watermarks touch)."""
    problems = Problems()
    since, until = check_bounded(problems, period)
    problems.raise_if_any()
    since, until = (
        (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC) for t in (since, until)
    )
    fetched = await read_only(uow, lambda u: _fetch(u, since, until))
    per_key, overall = _buyers(fetched)
    rows: dict[tuple[str | None, str | None], RoiRow] = {}
    for f in fetched.figures:
        seen = overall if f.shop is None else per_key[(f.shop, f.channel)]
        sales = Sales(f.revenue_minor, f.orders, len(seen.seen), len(seen.twice))
        costs = Costs(*(getattr(f, c) for c in _COST_COLUMNS))
        rows[(f.shop, f.channel)] = RoiRow(f.shop, f.channel, sales, costs)
    total = rows.pop((None, None), RoiRow(None, None))
    baselined_revenue = next(
        (f.baselined_revenue_minor for f in fetched.figures if f.shop is None), 0
    )
    p, b = fetched.program, fetched.baseline
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
        baselined_members=b.members,
        baselined_revenue_minor=baselined_revenue,
        baseline_minor=int(
            (Decimal(b.weighted) / PRE_JOIN_SECONDS).quantize(Decimal("1"), ROUND_HALF_UP)
        ),
    )


_COST_COLUMNS = (
    "points_paid_minor",
    "vouchers_minor",
    "member_prices_minor",
    "card_discounts_minor",
    "current_discounts_minor",
)
