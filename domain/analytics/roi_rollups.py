"""The ROI report's rollups (roi_days, roi_buyer_days and _months, roi_registration_days),
kept by a job behind five watermarks rolled up together (domain/watermarks.py): the order
in which purchases were made (made_seq), refunds, ledger entries (the redemptions they
wrote or cancelled), voucher uses (and their cancellations), and orders reported (an order
reported after the points or voucher that paid for it gives them its channel).

Each batch finds the UTC days its values touched (an order's day; a refund's order's day;
a redemption's or voucher use's day, also when cancelled; for an order made in the year
before its customer registered, that customer's registration day and every day of their
member orders, whose revenue now counts as a baselined member's) and recomputes those
days' rows from the rows as they are now (domain/analytics/roi_figures.py), month bitmaps
from their days'.

Why that is exact: call a day clean when no value above a watermark touches it. Every change
touching a clean day was claimed by a batch that ran after that change committed and read
all of the day's rows; the batches take turns (the joint claim locks the five watermark rows
first), so the last one to recompute the day saw every change of it. Rows above the
watermarks that a recompute happened to read are harmless: the days they touch are not
clean, and the report reads such days from the rows (domain/analytics/roi.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, text

from domain import watermarks
from domain.analytics import buyer_sets
from domain.analytics.periods import midnight
from domain.analytics.roi_figures import (
    BASELINED,
    BUYERS,
    DAY_FIGURES,
    EPOCH,
    MEMBER_ORDERS,
    PRE_JOIN,
    RANGES,
    day_of,
)
from domain.analytics.tables import (
    roi_buyer_days,
    roi_buyer_months,
    roi_days,
    roi_registration_days,
)
from domain.checkout.bi_sql import POINTS_PAID_ENTRIES
from domain.customers.sql import CUSTOMERS
from domain.ledger.rollups import ENTRY_IDS
from domain.purchases.bi_sql import (
    MADE_IN_ORDER,
    MADE_ORDER_TIMES,
    MADE_SEQUENCE,
    ORDER_CHANNELS,
    ORDER_SEQUENCE,
    REFUNDS_IN_ORDER,
    REFUNDS_SEQUENCE,
)
from domain.uow import UnitOfWork
from domain.vouchers.bi_sql import EVERY_VOUCHER_USE, VOUCHER_USE_SEQUENCE

DEFAULT_BATCH = 1_000_000

_STATE = "analytics_rollup_state"
MADE = watermarks.Stream(_STATE, "stream", "roi_made", MADE_SEQUENCE)
REFUNDS = watermarks.Stream(_STATE, "stream", "roi_refunds", REFUNDS_SEQUENCE)
ENTRIES = watermarks.Stream(_STATE, "stream", "roi_entries", ENTRY_IDS.sequence)
VOUCHER_USES = watermarks.Stream(_STATE, "stream", "roi_voucher_uses", VOUCHER_USE_SEQUENCE)
ORDERS = watermarks.Stream(_STATE, "stream", "roi_orders", ORDER_SEQUENCE)
STREAMS = (MADE, REFUNDS, ENTRIES, VOUCHER_USES, ORDERS)
_NAMES = {
    MADE: "made",
    REFUNDS: "refunds",
    ENTRIES: "entries",
    VOUCHER_USES: "uses",
    ORDERS: "orders",
}

# The days the values in (:<name>_from, :<name>_to] of each stream touch: order_days (of
# roi_days and the buyers), registration_days (of roi_registration_days), and how many
# made orders and refunds there were.
TOUCHED = text(f"""
    WITH made AS (
        SELECT p.customer_id, p.occurred_at, c.created_at
          FROM ({MADE_IN_ORDER}) p JOIN ({CUSTOMERS}) c ON c.id = p.customer_id
         WHERE p.made_seq > :made_from AND p.made_seq <= :made_to),
    refunded AS (
        SELECT r.customer_id, r.occurred_at, c.created_at
          FROM ({REFUNDS_IN_ORDER}) r JOIN ({CUSTOMERS}) c ON c.id = r.customer_id
         WHERE r.id > :refunds_from AND r.id <= :refunds_to),
    pre_join AS (
        SELECT customer_id, created_at, bool_or(made) AS made
          FROM (SELECT *, true AS made FROM made
                UNION ALL SELECT *, false FROM refunded) x
         WHERE occurred_at >= created_at - {PRE_JOIN} AND occurred_at < created_at
         GROUP BY 1, 2),
    reported AS (
        SELECT shop, order_id FROM ({ORDER_CHANNELS}) o
         WHERE o.id > :orders_from AND o.id <= :orders_to),
    moments AS (
        SELECT occurred_at AS at FROM made
        UNION ALL SELECT occurred_at FROM refunded
        UNION ALL
        SELECT q.occurred_at FROM pre_join j
          JOIN ({MADE_ORDER_TIMES}) q
            ON q.customer_id = j.customer_id AND q.occurred_at >= j.created_at
         WHERE j.made
        UNION ALL
        SELECT x.created_at FROM ({POINTS_PAID_ENTRIES}) x
         WHERE (x.entry_id > :entries_from AND x.entry_id <= :entries_to)
            OR (x.cancel_entry_id > :entries_from AND x.cancel_entry_id <= :entries_to)
        UNION ALL
        SELECT u.created_at FROM ({EVERY_VOUCHER_USE}) u
         WHERE (u.id > :uses_from AND u.id <= :uses_to)
            OR (u.cancel_seq > :uses_from AND u.cancel_seq <= :uses_to)
        UNION ALL
        SELECT x.created_at FROM reported o
          JOIN ({POINTS_PAID_ENTRIES}) x ON x.shop = o.shop AND x.order_id = o.order_id
        UNION ALL
        SELECT u.created_at FROM reported o
          JOIN ({EVERY_VOUCHER_USE}) u ON u.shop = o.shop AND u.order_id = o.order_id)
    SELECT (SELECT COALESCE(array_agg(DISTINCT {day_of("at")}), '{{}}') FROM moments)
               AS order_days,
           (SELECT COALESCE(array_agg(DISTINCT {day_of("created_at")}), '{{}}') FROM pre_join)
               AS registration_days,
           (SELECT count(*) FROM made) + (SELECT count(*) FROM refunded) AS rows""")


def bounds(claims: watermarks.Claims) -> dict[str, int]:
    """TOUCHED's parameters for the values the claims cover."""
    params: dict[str, int] = {}
    for stream, name in _NAMES.items():
        params[f"{name}_from"], params[f"{name}_to"] = claims.bounds(stream)
    return params


def tail_bounds(rolled_to: dict[watermarks.Stream, int]) -> dict[str, int]:
    """TOUCHED's parameters for every value above the watermarks (what is not rolled up)."""
    params: dict[str, int] = {}
    for stream, name in _NAMES.items():
        params[f"{name}_from"], params[f"{name}_to"] = rolled_to[stream], watermarks.NO_END
    return params


def day_ranges(days: Sequence[date]) -> dict[str, list[datetime]]:
    """:range_lo and :range_hi for whole UTC days."""
    starts = [midnight(d) for d in days]
    return {"range_lo": starts, "range_hi": [s + timedelta(days=1) for s in starts]}


FIGURES = text(f"""
    WITH {RANGES}, {MEMBER_ORDERS}, {DAY_FIGURES}
    SELECT * FROM day_figures""")

REGISTRATIONS = text(f"""
    WITH {RANGES}, {BASELINED}
    SELECT {day_of("created_at")} AS registered_on, count(*) AS baselined,
           CAST(sum(pre_join_minor) AS bigint) AS pre_join_minor,
           sum(pre_join_minor * {EPOCH.format("created_at")}) AS pre_join_at
      FROM baselined GROUP BY 1""")

_MONTH_DAYS = text(
    "SELECT day, shop, channel, buyers, multi FROM roi_buyer_days"
    " WHERE date_trunc('month', day) = ANY(CAST(:months AS date[]))"
)


async def step(uow: UnitOfWork, claims: watermarks.Claims) -> int:
    """A batch: recompute the days the claimed values touch; the made orders and refunds
    among them."""
    touched = (await uow.execute(TOUCHED, bounds(claims))).one()
    await recompute_days(uow, sorted(touched.order_days))
    await recompute_registrations(uow, sorted(touched.registration_days))
    return int(touched.rows)


async def recompute_days(uow: UnitOfWork, days: Sequence[date]) -> None:
    """Replace the days' roi_days and roi_buyer_days rows with their figures from the rows,
    and their months' roi_buyer_months rows with the union of the months' days."""
    if not days:
        return
    ranges = day_ranges(days)
    figures = (await uow.execute(FIGURES, ranges)).mappings().all()
    await uow.execute(delete(roi_days).where(roi_days.c.day.in_(days)))
    if figures:
        await uow.execute(insert(roi_days), [dict(f) for f in figures])
    sets = day_sets((await uow.execute(text(BUYERS), ranges)).all())
    await uow.execute(delete(roi_buyer_days).where(roi_buyer_days.c.day.in_(days)))
    if sets:
        await uow.execute(insert(roi_buyer_days), sets)
    months = sorted({d.replace(day=1) for d in days})
    month_days = (await uow.execute(_MONTH_DAYS, {"months": months})).all()
    await uow.execute(delete(roi_buyer_months).where(roi_buyer_months.c.month.in_(months)))
    if months_rows := month_sets(tuple(r) for r in month_days):
        await uow.execute(insert(roi_buyer_months), months_rows)


def day_sets(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """roi_buyer_days' rows from BUYERS' (day, shop, channel, customer_id, orders)."""
    counts: dict[tuple[date, str, str], list[tuple[int, int]]] = defaultdict(list)
    for r in rows:
        counts[(r.day, r.shop, r.channel)].append((r.customer_id, r.orders))
    out = []
    for (day, shop, channel), pairs in counts.items():
        seen = buyer_sets.Repeats()
        seen.add_counts(pairs)
        out.append(_set_row("day", day, shop, channel, seen))
    return out


def month_sets(rows: Iterable[tuple[date, str, str, bytes, bytes]]) -> list[dict[str, Any]]:
    """roi_buyer_months' rows from their days' (day, shop, channel, buyers, multi)."""
    months: dict[tuple[date, str, str], buyer_sets.Repeats] = defaultdict(buyer_sets.Repeats)
    for day, shop, channel, buyers, multi in rows:
        months[(day.replace(day=1), shop, channel)].add(
            buyer_sets.load(buyers), buyer_sets.load(multi)
        )
    return [_set_row("month", *key, seen) for key, seen in months.items()]


def _set_row(
    period: str, at: date, shop: str, channel: str, seen: buyer_sets.Repeats
) -> dict[str, Any]:
    return {
        period: at,
        "shop": shop,
        "channel": channel,
        "buyers": buyer_sets.dump(seen.seen),
        "multi": buyer_sets.dump(seen.twice),
    }


async def recompute_registrations(uow: UnitOfWork, days: Sequence[date]) -> None:
    """Replace the registration days' roi_registration_days rows from the rows."""
    if not days:
        return
    rows = (await uow.execute(REGISTRATIONS, day_ranges(days))).mappings().all()
    table = roi_registration_days
    await uow.execute(delete(table).where(table.c.registered_on.in_(days)))
    if rows:
        await uow.execute(insert(table), [dict(r) for r in rows])


async def roll_up_roi(
    uow: UnitOfWork, batch: int = DEFAULT_BATCH
) -> dict[watermarks.Stream, watermarks.Progress]:
    """Roll up every value the pending watermarks of the five streams cover (a batch of up
    to `batch` values of each a transaction), then take the next pending watermarks: the
    guarantees of watermarks.roll_up, for the five together."""
    return await watermarks.roll_up_together(uow, STREAMS, step, batch)


async def roll_up_roi_now(
    uow: UnitOfWork, batch: int = DEFAULT_BATCH, wait_s: float = 300.0
) -> dict[watermarks.Stream, watermarks.Progress]:
    """Roll up everything written before this call (`tessera rollup-ledger`, the bench,
    tests), waiting at most `wait_s` seconds for the transactions in progress."""
    return await watermarks.run_together_until_caught_up(uow, STREAMS, step, batch, wait_s)
