"""BI report GraphQL types (cohorts, top products, card holders, ROI), converted from the
analytics area's objects at the edge."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain.analytics.cohorts import Cohort, CohortMonth
from domain.analytics.products import CardTypeHolders, ProductGrouping, ProductSales
from domain.analytics.roi import Costs, Roi, RoiRow, Sales
from schema.scalars import BigInt, Money

ProductGroupingEnum = strawberry.enum(
    ProductGrouping, name="ProductGrouping", description="By SKU, or by product line."
)


@strawberry.type(name="CohortMonth", description="Month `month` after registration (0: its own).")
class CohortMonthType:
    month: int
    buyers: BigInt = strawberry.field(description="Customers of the cohort with an order made.")
    retention: Decimal = strawberry.field(description="buyers / customers, to 4 decimals.")
    earned: BigInt = strawberry.field(description="Credits of PURCHASE, MANUAL, ACTION, GIFT.")
    spent: BigInt = strawberry.field(description="REDEMPTION net of REDEMPTION_REFUND.")
    expired: BigInt

    @classmethod
    def of(cls, m: CohortMonth) -> CohortMonthType:
        return cls(
            month=m.month,
            buyers=BigInt(m.buyers),
            retention=m.retention,
            earned=BigInt(m.earned),
            spent=BigInt(m.spent),
            expired=BigInt(m.expired),
        )


@strawberry.type(name="Cohort", description="The customers who registered in one month (UTC).")
class CohortType:
    starts_at: datetime
    customers: BigInt
    months: list[CohortMonthType]

    @classmethod
    def of(cls, c: Cohort) -> CohortType:
        return cls(
            starts_at=c.starts_at,
            customers=BigInt(c.customers),
            months=[CohortMonthType.of(m) for m in c.months],
        )


@strawberry.type(name="ProductSales", description="A SKU's or product line's sales.")
class ProductSalesType:
    key: str = strawberry.field(description='The SKU or product line ("" for none).')
    revenue_minor: Money = strawberry.field(description="Units sold less returned, at price.")
    units: BigInt
    buyers: BigInt = strawberry.field(description="Distinct customers.")

    @classmethod
    def of(cls, p: ProductSales) -> ProductSalesType:
        return cls(
            key=p.key,
            revenue_minor=Money(p.revenue_minor),
            units=BigInt(p.units),
            buyers=BigInt(p.buyers),
        )


@strawberry.type(name="CardTypeHolders", description="A card type's holders and cards now.")
class CardTypeHoldersType:
    type: str = strawberry.field(description="POINTS, DISCOUNT, CURRENT_DISCOUNT or PRIZE.")
    customers: BigInt = strawberry.field(description="Holding an active card of the type.")
    active: BigInt
    blocked: BigInt
    lost: BigInt
    replaced: BigInt

    @classmethod
    def of(cls, h: CardTypeHolders) -> CardTypeHoldersType:
        return cls(
            type=h.type,
            customers=BigInt(h.customers),
            active=BigInt(h.active),
            blocked=BigInt(h.blocked),
            lost=BigInt(h.lost),
            replaced=BigInt(h.replaced),
        )


@strawberry.type(name="RoiSales", description="Member revenue: see docs/reports.md, ROI.")
class RoiSalesType:
    revenue_minor: Money
    orders: BigInt
    average_order_minor: Money | None
    active_members: BigInt
    purchase_frequency: Decimal | None = strawberry.field(description="Orders per active member.")
    repeat_rate: Decimal | None = strawberry.field(description="Share with 2 orders or more.")

    @classmethod
    def of(cls, s: Sales) -> RoiSalesType:
        aov = s.average_order_minor
        return cls(
            revenue_minor=Money(s.revenue_minor),
            orders=BigInt(s.orders),
            average_order_minor=None if aov is None else Money(aov),
            active_members=BigInt(s.active_members),
            purchase_frequency=s.purchase_frequency,
            repeat_rate=s.repeat_rate,
        )


@strawberry.type(name="RoiCosts", description="Money given on orders, by what gave it.")
class RoiCostsType:
    points_paid_minor: Money
    vouchers_minor: Money
    member_prices_minor: Money
    card_discounts_minor: Money
    current_discounts_minor: Money
    total_minor: Money

    @classmethod
    def of(cls, c: Costs) -> RoiCostsType:
        return cls(
            points_paid_minor=Money(c.points_paid_minor),
            vouchers_minor=Money(c.vouchers_minor),
            member_prices_minor=Money(c.member_prices_minor),
            card_discounts_minor=Money(c.card_discounts_minor),
            current_discounts_minor=Money(c.current_discounts_minor),
            total_minor=Money(c.total_minor),
        )


@strawberry.type(name="RoiRow", description="A shop and channel's figures.")
class RoiRowType:
    shop: str | None
    channel: str | None
    sales: RoiSalesType
    costs: RoiCostsType

    @classmethod
    def of(cls, r: RoiRow) -> RoiRowType:
        return cls(
            shop=r.shop,
            channel=r.channel,
            sales=RoiSalesType.of(r.sales),
            costs=RoiCostsType.of(r.costs),
        )


@strawberry.type(name="RoiReport", description="The program's ROI for a period.")
class RoiReportType:
    since: datetime
    until: datetime
    rows: list[RoiRowType] = strawberry.field(description="By shop, then channel.")
    total: RoiRowType
    new_members: BigInt
    bonus_points: BigInt = strawberry.field(description="Credits of GIFT, ACTION and MANUAL.")
    bonus_value_minor: Money
    liability_change_points: BigInt
    liability_change_minor: Money
    expired_points: BigInt
    breakage_minor: Money
    baselined_members: BigInt = strawberry.field(
        description="Members with orders in the 365 days before they registered."
    )
    baselined_revenue_minor: Money = strawberry.field(
        description="Their member revenue in the period."
    )
    baseline_minor: Money = strawberry.field(
        description="Their spend in that year, at its rate over their membership in the period."
    )
    incremental_revenue_minor: Money
    cost_minor: Money = strawberry.field(description="total.costs.totalMinor + bonusValueMinor")
    roi: Decimal | None = strawberry.field(
        description="(incrementalRevenueMinor - costMinor) / costMinor, to 4 decimals."
    )

    @classmethod
    def of(cls, r: Roi) -> RoiReportType:
        return cls(
            since=r.since,
            until=r.until,
            rows=[RoiRowType.of(row) for row in r.rows],
            total=RoiRowType.of(r.total),
            new_members=BigInt(r.new_members),
            bonus_points=BigInt(r.bonus_points),
            bonus_value_minor=Money(r.bonus_value_minor),
            liability_change_points=BigInt(r.liability_change_points),
            liability_change_minor=Money(r.liability_change_minor),
            expired_points=BigInt(r.expired_points),
            breakage_minor=Money(r.breakage_minor),
            baselined_members=BigInt(r.baselined_members),
            baselined_revenue_minor=Money(r.baselined_revenue_minor),
            baseline_minor=Money(r.baseline_minor),
            incremental_revenue_minor=Money(r.incremental_revenue_minor),
            cost_minor=Money(r.cost_minor),
            roi=r.roi,
        )
