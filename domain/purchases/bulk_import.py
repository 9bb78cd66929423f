"""Historical purchases, many at once: a bulk import's orders, set-based.

What recordPurchase writes for a made sale, less what does not apply to a sale made before
the shop came to Tessera: the purchase (its made_seq stamped by the trigger, so the
analytics' rollups count it like any other) and its lines; not its PurchaseRecorded event
(no funnel starts, no webhook goes out for old sales), nor a current discount for the next
visit. An order already in Tessera (the same shop and order_id, recorded through the API,
a platform's webhook or an earlier import) is left as it is: ON CONFLICT DO NOTHING on the
purchases' unique (shop, order_id), so a chunk run again, or a file overlapping another,
writes each order once.

Each order is written as awarded (awarded_at set), so that reporting it later through the
API awards nothing (services.ReportPurchaseAgain awards only an order never awarded):

- history only (earn=False): points_earned 0, no snapshot, no ledger entry;
- earning (earn=True): the points the earning rule in force now gives its lines (points_for
  with the rule and the SKU and product-line overrides of now; no category multiplier and
  no promotion: those belong to the moment of a sale, and that moment is past), credited
  now as one PURCHASE entry per order under the purchase's award key (so a refund takes
  back exactly what it earned, from the lot it opened), without PointsEarned events
  (ledger.quiet_credits). An order whose credit would cross the balance ceiling is
  written as earning nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import BigInteger, any_, bindparam, text, update
from sqlalchemy.dialects.postgresql import ARRAY

from domain.ledger.bulk import BulkPosting
from domain.ledger.kinds import EntryKind
from domain.ledger.quiet_credits import QuietCredit, post_quietly
from domain.purchases import earning_rules
from domain.purchases.earning import EarningRule, EarningSnapshot, Line, points_for
from domain.purchases.models import award_key
from domain.purchases.tables import purchases
from domain.uow import UnitOfWork

# The columns the relation of lines gives (one row per order line): `ord` orders the lines
# (and the orders, by their first line); the order's own fields are the same on each line.
LINE_COLUMNS = (
    "ord",
    "customer_id",
    "shop",
    "order_id",
    "occurred_at",
    "status",
    "channel",
    "sku",
    "quantity",
    "unit_price_minor",
    "product_line",
    "discounted",
)

# The lines of the orders not yet in Tessera, to compute what they earn.
_NEW_LINES = """
    SELECT r.shop, r.order_id, r.sku, r.quantity, r.unit_price_minor, r.discounted,
           r.product_line
      FROM ({rows}) r
     WHERE NOT EXISTS (SELECT 1 FROM purchases p
                        WHERE p.shop = r.shop AND p.order_id = r.order_id)
     ORDER BY r.ord"""

_OVERRIDES = text("""
    SELECT 'sku' AS by, sku AS key, mode, value FROM product_earning_overrides
     WHERE sku = ANY(CAST(:skus AS text[]))
    UNION ALL
    SELECT 'line', product_line, mode, value FROM product_line_earning_overrides
     WHERE product_line = ANY(CAST(:product_lines AS text[]))""")

# One statement: the orders (their fields from their first line, their total from all) and
# their lines, numbered in file order; `award` gives an earning order's points and snapshot.
_INSERT = """
    WITH src AS MATERIALIZED (SELECT * FROM ({rows}) r),
    award AS (
        SELECT * FROM unnest(CAST(:award_shops AS text[]), CAST(:award_orders AS text[]),
                             CAST(:award_points AS bigint[]), CAST(:award_snapshots AS text[]))
               AS a(shop, order_id, points, snapshot)),
    orders AS (
        SELECT DISTINCT ON (shop, order_id) shop, order_id, customer_id, channel, status,
               occurred_at, ord
          FROM src ORDER BY shop, order_id, ord),
    totals AS (
        SELECT shop, order_id, CAST(sum(quantity * unit_price_minor) AS bigint) AS total
          FROM src GROUP BY shop, order_id),
    p AS (
        INSERT INTO purchases (shop, order_id, customer_id, channel, status, total_minor,
                               occurred_at, points_earned, awarded_at, earning_snapshot)
        SELECT o.shop, o.order_id, o.customer_id, o.channel, o.status, t.total,
               o.occurred_at, COALESCE(a.points, 0), now(), CAST(a.snapshot AS jsonb)
          FROM orders o JOIN totals t USING (shop, order_id)
          LEFT JOIN award a USING (shop, order_id)
         ORDER BY o.ord
        ON CONFLICT (shop, order_id) DO NOTHING
        RETURNING id, shop, order_id, customer_id, points_earned),
    l AS (
        INSERT INTO purchase_lines (purchase_id, line_no, sku, quantity, unit_price_minor,
                                    discounted, product_line)
        SELECT p.id, row_number() OVER (PARTITION BY p.id ORDER BY s.ord), s.sku,
               s.quantity, s.unit_price_minor, s.discounted, s.product_line
          FROM src s JOIN p USING (shop, order_id))
    SELECT p.*, (SELECT count(*) FROM orders) AS orders FROM p ORDER BY p.id
"""


@dataclass(frozen=True)
class HistoryLoaded:
    """What one call did: of `orders` orders given, `created` were written now (the others
    were in Tessera already), earning `points` in all."""

    orders: int
    created: int
    points: int

    @property
    def skipped(self) -> int:
        return self.orders - self.created


async def import_history(
    uow: UnitOfWork,
    rows: str,
    params: Mapping[str, object],
    *,
    earn: bool,
    actor: str,
    note: str | None = None,
) -> HistoryLoaded:
    """Write the orders of the relation `rows` (SQL with LINE_COLUMNS, one row per line,
    every field checked by the API's rules: check_lines, check_occurred_at, a made status;
    `params` binds its parameters) in the open transaction, as the module's docstring says.

    Guarantees: each order is written once ever (an order in Tessera is left untouched and
    not counted); an order's lines are written with it, in one statement; with `earn`, each
    order's points are credited once (its award key), balance = sum of entries = sum of
    open lots, and the purchase's points_earned is what its entry credited."""
    awards = await _earnings(uow, rows, params) if earn else {}
    keys = list(awards)
    found = (
        await uow.execute(
            text(_INSERT.format(rows=rows)),
            {
                **params,
                "award_shops": [shop for shop, _ in keys],
                "award_orders": [order for _, order in keys],
                "award_points": [awards[k][0] for k in keys],
                "award_snapshots": [orjson.dumps(awards[k][1]).decode() for k in keys],
            },
        )
    ).all()
    orders = int(found[0].orders) if found else await _orders(uow, rows, params)
    earning = [r for r in found if r.points_earned > 0]
    posted = await post_quietly(
        uow,
        BulkPosting(EntryKind.PURCHASE, actor, "purchase", note),
        [
            QuietCredit(r.customer_id, r.points_earned, award_key(r.id), f"{r.shop}/{r.order_id}")
            for r in earning
        ],
    )
    unposted = [r.id for r in earning if award_key(r.id) not in posted]
    if unposted:  # over the ceiling: the order earned nothing
        # One array parameter: a chunk may hold more orders than a statement's 32,767.
        ids = bindparam("ids", unposted, type_=ARRAY(BigInteger))
        await uow.execute(
            update(purchases).where(purchases.c.id == any_(ids)).values(points_earned=0)
        )
    return HistoryLoaded(orders=orders, created=len(found), points=sum(posted.values()))


async def _orders(uow: UnitOfWork, rows: str, params: Mapping[str, object]) -> int:
    query = text(f"SELECT count(DISTINCT (shop, order_id)) FROM ({rows}) r")
    return int((await uow.execute(query, params)).scalar_one())


async def _earnings(
    uow: UnitOfWork, rows: str, params: Mapping[str, object]
) -> dict[tuple[str, str], tuple[int, dict[str, Any]]]:
    """(shop, order_id) -> (points, snapshot) of each order of `rows` not yet in Tessera,
    under the earning rule and overrides in force now (no multiplier, no promotion)."""
    orders: dict[tuple[str, str], list[Line]] = {}
    for r in await uow.execute(text(_NEW_LINES.format(rows=rows)), params):
        line = Line(r.sku, r.quantity, r.unit_price_minor, r.discounted, r.product_line)
        orders.setdefault((r.shop, r.order_id), []).append(line)
    if not orders:
        return {}
    rule = await earning_rules.get_rule(uow)
    by_sku, by_line = await _overrides(uow, [ln for lines in orders.values() for ln in lines])
    earned = {}
    for key, lines in orders.items():
        snapshot = _snapshot(rule, lines, by_sku, by_line)
        earned[key] = (points_for(lines, snapshot), snapshot.to_json())
    return earned


async def _overrides(uow: UnitOfWork, lines: list[Line]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The overrides of these lines' SKUs and product lines."""
    found = await uow.execute(
        _OVERRIDES,
        {
            "skus": sorted({ln.sku for ln in lines}),
            "product_lines": sorted({ln.product_line for ln in lines if ln.product_line}),
        },
    )
    by: dict[str, dict[str, Any]] = {"sku": {}, "line": {}}
    for row in found:
        by[row.by][row.key] = [row.mode, row.value]
    terms = earning_rules.terms_from(
        {
            "overrides": [[k, m, v] for k, (m, v) in by["sku"].items()],
            "line_overrides": [[k, m, v] for k, (m, v) in by["line"].items()],
            "promotions": [],
        }
    )
    return terms.overrides, terms.line_overrides


def _snapshot(
    rule: EarningRule, lines: list[Line], by_sku: dict[str, Any], by_line: dict[str, Any]
) -> EarningSnapshot:
    """The terms of one order, frozen with it (only its own SKUs' and lines' overrides, as
    recordPurchase's): multiplier 1, nothing paid with points, no promotion."""
    skus = {ln.sku for ln in lines}
    product_lines = {ln.product_line for ln in lines if ln.product_line}
    return EarningSnapshot.of(
        rule,
        Decimal(1),
        {k: v for k, v in by_sku.items() if k in skus},
        0,
        {k: v for k, v in by_line.items() if k in product_lines},
    )
