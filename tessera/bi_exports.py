"""CSV exports of the BI reports (READ_REPORTS), as tessera/exports.py serves the movements:
GET /exports/roi.csv?since=&until=, /exports/cohorts.csv?since=&until=&months=,
/exports/top-products.csv?since=&until=&by=SKU|PRODUCT_LINE&first=,
/exports/card-types.csv and /exports/rfm.csv (customers per RFM segment and score). Same
authentication and refusals (401, 403, 400 naming the parameter); the reports are small (at
most a few thousand rows), so each is computed whole and then written."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.access.permissions import Permission
from domain.analytics.cohorts import cohorts
from domain.analytics.products import ProductGrouping, customers_per_card_type, top_products
from domain.analytics.roi import Roi, RoiRow, roi_report
from domain.analytics.scores import rfm_summary
from domain.errors import DomainError, ErrorCode
from domain.reports.periods import Period
from domain.uow import UnitOfWork
from schema.auth import Authenticator
from schema.responses import Refusal
from tessera.exports import admit, bad_parameter, csv_response, integer_param, moment_param

Rows = tuple[Sequence[str], Iterable[Sequence[Any]]]
Report = Callable[[UnitOfWork, Mapping[str, str]], Awaitable[Rows]]

ROI_COLUMNS = (
    "shop",
    "channel",
    "revenue_minor",
    "orders",
    "average_order_minor",
    "active_members",
    "purchase_frequency",
    "repeat_rate",
    "points_paid_minor",
    "vouchers_minor",
    "member_prices_minor",
    "card_discounts_minor",
    "current_discounts_minor",
    "costs_minor",
    "new_members",
    "bonus_value_minor",
    "cost_minor",
    "incremental_revenue_minor",
    "roi",
)


def _period(params: Mapping[str, str]) -> Period:
    return Period(moment_param(params, "since"), moment_param(params, "until"))


def _roi_row(row: RoiRow, roi: Roi | None) -> list[Any]:
    s, c = row.sales, row.costs
    figures: list[Any] = [row.shop, row.channel] if roi is None else ["(all)", "(all)"]
    figures += [s.revenue_minor, s.orders, s.average_order_minor, s.active_members]
    figures += [s.purchase_frequency, s.repeat_rate, c.points_paid_minor, c.vouchers_minor]
    figures += [c.member_prices_minor, c.card_discounts_minor, c.current_discounts_minor]
    figures += [c.total_minor]
    if roi is None:
        return figures + [None] * 5
    program = [roi.new_members, roi.bonus_value_minor, roi.cost_minor]
    return [*figures, *program, roi.incremental_revenue_minor, roi.roi]


async def _roi(uow: UnitOfWork, params: Mapping[str, str]) -> Rows:
    found = await roi_report(uow, _period(params))
    rows = [_roi_row(r, None) for r in found.rows] + [_roi_row(found.total, found)]
    return ROI_COLUMNS, rows


async def _cohorts(uow: UnitOfWork, params: Mapping[str, str]) -> Rows:
    months = integer_param(params, "months")
    found = await cohorts(uow, _period(params), 12 if months is None else months, datetime.now(UTC))
    columns = (
        "cohort_start",
        "customers",
        "month",
        "buyers",
        "retention",
        "earned",
        "spent",
        "expired",
    )
    rows = [
        (c.starts_at, c.customers, m.month, m.buyers, m.retention, m.earned, m.spent, m.expired)
        for c in found
        for m in c.months
    ]
    return columns, rows


async def _top_products(uow: UnitOfWork, params: Mapping[str, str]) -> Rows:
    by = params.get("by", ProductGrouping.SKU.value)
    if by not in ProductGrouping.__members__:
        raise DomainError.one("by", ErrorCode.INVALID, "SKU or PRODUCT_LINE.")
    first = integer_param(params, "first")
    found = await top_products(
        uow, _period(params), ProductGrouping(by), 10 if first is None else first
    )
    rows = [(p.key, p.revenue_minor, p.units, p.buyers) for p in found]
    return ("key", "revenue_minor", "units", "buyers"), rows


async def _card_types(uow: UnitOfWork, params: Mapping[str, str]) -> Rows:
    found = await customers_per_card_type(uow)
    rows = [(h.type, h.customers, h.active, h.blocked, h.lost, h.replaced) for h in found]
    return ("type", "customers", "active", "blocked", "lost", "replaced"), rows


async def _rfm(uow: UnitOfWork, params: Mapping[str, str]) -> Rows:
    found = await rfm_summary(uow)
    rows: list[tuple[str, str, int]] = [("segment", name, n) for name, n in found.segments]
    for measure, counts in (
        ("recency", found.recency),
        ("frequency", found.frequency),
        ("monetary", found.monetary),
    ):
        rows += [(measure, str(score), n) for score, n in enumerate(counts, start=1)]
    return ("group", "key", "customers"), rows


REPORTS: dict[str, Report] = {
    "roi": _roi,
    "cohorts": _cohorts,
    "top-products": _top_products,
    "card-types": _card_types,
    "rfm": _rfm,
}


async def _each(rows: Iterable[Sequence[Any]]) -> AsyncIterator[tuple[Any, ...]]:
    for row in rows:
        yield tuple(row)


def bi_exports(new_uow: Callable[[], UnitOfWork], authenticator: Authenticator) -> list[Route]:
    """The routes serving each BI report as CSV."""

    def route(name: str, report: Report) -> Route:
        async def serve(request: Request) -> Response:
            try:
                await admit(authenticator, request, Permission.READ_REPORTS)
                try:
                    columns, rows = await report(new_uow(), request.query_params)
                except DomainError as error:
                    raise bad_parameter(error) from None
            except Refusal as refusal:
                return refusal.response()
            return csv_response(columns, _each(rows), f"{name}.csv")

        return Route(f"/exports/{name}.csv", serve, methods=["GET"])

    return [route(name, report) for name, report in REPORTS.items()]
