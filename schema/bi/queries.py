"""BI queries: every field needs READ_REPORTS."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TypeVar

import strawberry

from domain.access.permissions import Permission
from domain.analytics import cohorts, products, roi
from domain.analytics.scores import rfm_summary
from domain.errors import DomainError
from domain.reports.periods import Period
from schema.bi.rfm import RfmSummaryType
from schema.bi.types import (
    CardTypeHoldersType,
    CohortType,
    ProductGroupingEnum,
    ProductSalesType,
    RoiReportType,
)
from schema.context import Info
from schema.errors import query_error
from schema.permissions import requires

T = TypeVar("T")
READ_REPORTS = [requires(Permission.READ_REPORTS)]


async def _answer(call: Awaitable[T]) -> T:
    """The domain's answer; its refusal as a top-level error naming the argument."""
    try:
        return await call
    except DomainError as error:
        raise query_error(error) from error


@strawberry.type
class BiQueries:
    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="Cohorts of the customers registered in [since, until), by month (UTC), "
        "with months 0 to `months` (at most 60) after registration.",
    )
    async def cohorts(
        self, info: Info, since: datetime, until: datetime, months: int = 12
    ) -> list[CohortType]:
        found = await _answer(
            cohorts.cohorts(info.context.new_uow(), Period(since, until), months, datetime.now(UTC))
        )
        return [CohortType.of(c) for c in found]

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="The SKUs or product lines with the most revenue from orders made in "
        "[since, until), at most `first` (100).",
    )
    async def top_products(
        self,
        info: Info,
        since: datetime,
        until: datetime,
        by: ProductGroupingEnum = products.ProductGrouping.SKU,  # type: ignore[valid-type]
        first: int = 10,
    ) -> list[ProductSalesType]:
        found = await _answer(
            products.top_products(info.context.new_uow(), Period(since, until), by, first)
        )
        return [ProductSalesType.of(p) for p in found]

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="Every card type with the customers holding an active card of it now.",
    )
    async def customers_per_card_type(self, info: Info) -> list[CardTypeHoldersType]:
        found = await products.customers_per_card_type(info.context.new_uow())
        return [CardTypeHoldersType.of(h) for h in found]

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="The latest RFM scores: customers per segment and per score.",
    )
    async def rfm_summary(self, info: Info) -> RfmSummaryType:
        return RfmSummaryType.of(await rfm_summary(info.context.new_uow()))

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="The program's ROI for [since, until), by shop and channel.",
    )
    async def roi_report(self, info: Info, since: datetime, until: datetime) -> RoiReportType:
        found = await _answer(roi.roi_report(info.context.new_uow(), Period(since, until)))
        return RoiReportType.of(found)
