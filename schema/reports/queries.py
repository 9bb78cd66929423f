"""Report queries: every field needs READ_REPORTS."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.reports import liability_history, movements, program, totals
from domain.reports.periods import Period
from schema.context import Info
from schema.errors import answered
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires
from schema.reports.inputs import LedgerMovementFilterInput
from schema.reports.types import (
    BadgeCustomersType,
    CategoryCustomersType,
    GranularityEnum,
    LedgerMovementType,
    LiabilityAtType,
    LiabilityType,
    PointsFlowBucketType,
    ReportTotalsType,
    RewardClaimsType,
)

READ_REPORTS = [requires(Permission.READ_REPORTS)]


@strawberry.type
class ReportQueries:
    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="Movements of all customers, newest first.",
    )
    async def ledger_movements(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: LedgerMovementFilterInput | None = None,
    ) -> Connection[LedgerMovementType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("LedgerMovement", after)
        wanted = (filter or LedgerMovementFilterInput()).to_domain()
        page = await answered(
            movements.find_movements(info.context.new_uow(), wanted, limit, after_id)
        )
        return connection(
            [LedgerMovementType.of(e) for e in page.items], page.has_next, "LedgerMovement"
        )

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="Totals of a period (since inclusive, until exclusive; all time when "
        "both are left out).",
    )
    async def report_totals(
        self, info: Info, since: datetime | None = None, until: datetime | None = None
    ) -> ReportTotalsType:
        found = await answered(totals.report_totals(info.context.new_uow(), Period(since, until)))
        return ReportTotalsType.of(found)

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="The flow of a period per day, week or month of `timeZone` (an IANA "
        "name), oldest first, with a zero bucket where nothing moved.",
    )
    async def points_flow(
        self,
        info: Info,
        since: datetime,
        until: datetime,
        granularity: GranularityEnum,  # type: ignore[valid-type]
        time_zone: str = "UTC",
    ) -> list[PointsFlowBucketType]:
        found = await answered(
            totals.points_flow(info.context.new_uow(), Period(since, until), granularity, time_zone)
        )
        return [PointsFlowBucketType.of(b) for b in found]

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="Outstanding points now and their value at the redemption rate.",
    )
    async def liability(self, info: Info) -> LiabilityType:
        return LiabilityType.of(await program.liability(info.context.new_uow()))

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="Outstanding points and their value at the end of each day, week or "
        "month of `timeZone` (an IANA name) in a period, oldest first.",
    )
    async def liability_history(
        self,
        info: Info,
        since: datetime,
        until: datetime,
        granularity: GranularityEnum,  # type: ignore[valid-type]
        time_zone: str = "UTC",
    ) -> list[LiabilityAtType]:
        found = await answered(
            liability_history.liability_history(
                info.context.new_uow(), Period(since, until), granularity, time_zone
            )
        )
        return [LiabilityAtType.of(point) for point in found]

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="The rewards claimed most in a period (all time when open), at most "
        "`first` (100), most claimed first.",
    )
    async def top_rewards(
        self,
        info: Info,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int = 10,
    ) -> list[RewardClaimsType]:
        found = await answered(
            program.top_rewards(info.context.new_uow(), Period(since, until), first)
        )
        return [RewardClaimsType.of(r) for r in found]

    @strawberry.field(
        permission_classes=READ_REPORTS,
        description="Every category with its number of customers and their balance now.",
    )
    async def customers_per_category(self, info: Info) -> list[CategoryCustomersType]:
        found = await program.customers_per_category(info.context.new_uow())
        return [CategoryCustomersType.of(c) for c in found]

    @strawberry.field(
        permission_classes=[requires(Permission.READ_REPORTS)],
        description="Every badge with the number of customers holding it now and their balance.",
    )
    async def customers_per_badge(self, info: Info) -> list[BadgeCustomersType]:
        found = await program.customers_per_badge(info.context.new_uow())
        return [BadgeCustomersType.of(c) for c in found]
