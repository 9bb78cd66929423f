"""BI queries: every field needs READ_REPORTS."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from domain.access.permissions import Permission
from domain.analytics import cohorts, products, roi
from domain.analytics.scores import rfm_summary
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
from schema.errors import answered
from schema.permissions import requires

READ_REPORTS = [requires(Permission.READ_REPORTS)]


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
        found = await answered(
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
        found = await answered(
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
        found = await answered(roi.roi_report(info.context.new_uow(), Period(since, until)))
        return RoiReportType.of(found)
