"""Report GraphQL types, converted from the domain's report objects at the edge."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from domain.ledger.models import LedgerEntry
from domain.reports.flows import FlowTotals
from domain.reports.liability_history import LiabilityAt
from domain.reports.periods import Granularity
from domain.reports.program import BadgeCustomers, CategoryCustomers, Liability, RewardClaims
from domain.reports.totals import FlowBucket, Totals
from schema.badges.types import BadgeType
from schema.context import Info
from schema.customers.types import CustomerType, PointCategoryType, load_customer
from schema.ledger.types import LedgerEntryType
from schema.rewards.types import RewardType
from schema.scalars import BigInt, Money

GranularityEnum = strawberry.enum(
    Granularity, name="ReportGranularity", description="Days, ISO weeks (from Monday), months."
)


@strawberry.type(description="Points moved, by class; see docs/reports.md.")
class PointsFlowFields:
    earned: BigInt = strawberry.field(
        description="Credited by purchases, manual credits, actions and gifts (net of their "
        "reversals)."
    )
    taken_back: BigInt = strawberry.field(description="Earned points taken back by refunds.")
    spent: BigInt = strawberry.field(
        description="Redeemed, net of points given back (refunds of paid orders, cancelled "
        "redemptions)."
    )
    expired: BigInt
    other: BigInt = strawberry.field(
        description="Signed: every other movement (manual debits and their reversals)."
    )
    net: BigInt = strawberry.field(
        description="earned - takenBack - spent - expired + other: the change of the total balance."
    )
    operations: BigInt = strawberry.field(description="Ledger entries.")
    points_moved: BigInt = strawberry.field(description="The sum of their absolute points.")
    average_points: Decimal | None = strawberry.field(
        description="pointsMoved / operations, rounded half up to 2 decimals; null when no "
        "operation."
    )


def _flow(flow: FlowTotals) -> dict[str, Any]:
    return {
        "earned": flow.earned,
        "taken_back": flow.taken_back,
        "spent": flow.spent,
        "expired": flow.expired,
        "other": flow.other,
        "net": flow.net,
        "operations": flow.operations,
        "points_moved": flow.points_moved,
        "average_points": flow.average_points,
    }


@strawberry.type(name="ReportTotals", description="A period's totals, from one snapshot.")
class ReportTotalsType(PointsFlowFields):
    since: datetime | None
    until: datetime | None
    balance: BigInt = strawberry.field(
        description="The total balance of all customers at `until` (now when open)."
    )

    @classmethod
    def of(cls, totals: Totals) -> ReportTotalsType:
        return cls(
            since=totals.period.since,
            until=totals.period.until,
            balance=BigInt(totals.balance),
            **_flow(totals.flow),
        )


@strawberry.type(name="PointsFlowBucket", description="A day, week or month of a flow.")
class PointsFlowBucketType(PointsFlowFields):
    starts_at: datetime = strawberry.field(description="Local midnight in the flow's zone.")
    ends_at: datetime = strawberry.field(description="Where the next bucket starts.")

    @classmethod
    def of(cls, bucket: FlowBucket) -> PointsFlowBucketType:
        return cls(starts_at=bucket.starts_at, ends_at=bucket.ends_at, **_flow(bucket.flow))


@strawberry.type(name="LedgerMovement", description="A ledger entry and its customer.")
class LedgerMovementType:
    id: strawberry.ID = strawberry.field(description="The entry's id.")
    entry: LedgerEntryType
    customer_id: strawberry.Private[int]

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerMovementType:
        return cls(
            id=strawberry.ID(str(entry.id)),
            entry=LedgerEntryType.of(entry),
            customer_id=entry.customer_id,
        )

    @strawberry.field
    async def customer(self, info: Info) -> CustomerType | None:
        return await load_customer(info, self.customer_id)


@strawberry.type(name="Liability", description="What the program owes now.")
class LiabilityType:
    balance: BigInt = strawberry.field(description="Points of all customers.")
    held: BigInt = strawberry.field(description="Reserved by checkouts.")
    spendable: BigInt
    customers_with_points: int
    value_minor: Money = strawberry.field(description="The balance at the redemption rate.")
    spendable_value_minor: Money
    points_per_unit: int = strawberry.field(description="The redemption rate: these points…")
    value_per_unit_minor: Money = strawberry.field(description="…pay this much.")

    @classmethod
    def of(cls, found: Liability) -> LiabilityType:
        return cls(
            balance=BigInt(found.balance),
            held=BigInt(found.held),
            spendable=BigInt(found.spendable),
            customers_with_points=found.customers_with_points,
            value_minor=Money(found.value_minor),
            spendable_value_minor=Money(found.spendable_value_minor),
            points_per_unit=found.points_per_unit,
            value_per_unit_minor=Money(found.value_per_unit_minor),
        )


@strawberry.type(name="RewardClaims", description="A reward's claims in a period.")
class RewardClaimsType:
    reward: RewardType
    claims: int
    points: BigInt = strawberry.field(description="Points its claims debited.")
    customers: int = strawberry.field(description="Distinct customers who claimed it.")

    @classmethod
    def of(cls, found: RewardClaims) -> RewardClaimsType:
        return cls(
            reward=RewardType.of(found.reward),
            claims=found.claims,
            points=BigInt(found.points),
            customers=found.customers,
        )


@strawberry.type(name="CategoryCustomers", description="A category's customers now.")
class CategoryCustomersType:
    category: PointCategoryType
    customers: int
    balance: BigInt = strawberry.field(description="Their total balance.")

    @classmethod
    def of(cls, found: CategoryCustomers) -> CategoryCustomersType:
        return cls(
            category=PointCategoryType.of(found.category),
            customers=found.customers,
            balance=BigInt(found.balance),
        )


@strawberry.type(name="BadgeCustomers")
class BadgeCustomersType:
    badge: BadgeType
    customers: int = strawberry.field(description="Customers holding it now.")
    balance: BigInt = strawberry.field(description="Their total balance.")

    @classmethod
    def of(cls, found: BadgeCustomers) -> BadgeCustomersType:
        return cls(
            badge=BadgeType.of(found.badge),
            customers=found.customers,
            balance=BigInt(found.balance),
        )


@strawberry.type(
    name="LiabilityAt",
    description="What the program owed at the end of a day, week or month (from the ledger's "
    "rollups; see docs/reports.md).",
)
class LiabilityAtType:
    starts_at: datetime = strawberry.field(description="The bucket's start (local midnight).")
    at: datetime = strawberry.field(
        description="The instant of the figures: the bucket's end, or the period's if earlier."
    )
    balance: BigInt = strawberry.field(description="Points of all customers at `at`.")
    value_minor: Money = strawberry.field(
        description="The balance at today's redemption rate (past rates are not kept)."
    )

    @classmethod
    def of(cls, found: LiabilityAt) -> LiabilityAtType:
        return cls(
            starts_at=found.starts_at,
            at=found.at,
            balance=BigInt(found.balance),
            value_minor=Money(found.value_minor),
        )
