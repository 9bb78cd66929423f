"""RFM in the API: a customer's scores (Customer.rfm) and recomputing them on demand."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.analytics.rfm import RfmRun, compute_rfm
from domain.analytics.scores import RfmScore, RfmSummary
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.permissions import requires
from schema.scalars import BigInt, Money


@strawberry.type(
    name="RfmScore",
    description="Recency, frequency and monetary quintiles (1 to 5, 5 best) of the "
    "customer's orders in the RFM window (docs/reports.md, RFM scores).",
)
class RfmScoreType:
    recency: int
    frequency: int
    monetary: int
    segment_name: str = strawberry.field(description="Champions, Loyal, New, Promising, ...")
    purchases: int = strawberry.field(description="Orders made in the window.")
    spend_minor: Money = strawberry.field(description="What they came to, net of refunds.")
    last_purchase_at: datetime
    computed_at: datetime = strawberry.field(description="The moment of the run that scored it.")

    @classmethod
    def of(cls, s: RfmScore) -> RfmScoreType:
        return cls(
            recency=s.recency,
            frequency=s.frequency,
            monetary=s.monetary,
            segment_name=s.segment_name,
            purchases=s.purchases,
            spend_minor=Money(s.spend_minor),
            last_purchase_at=s.last_purchase_at,
            computed_at=s.computed_at,
        )


async def customer_rfm(info: Info, customer_id: int) -> RfmScoreType | None:
    found = await info.context.loaders.rfm.load(customer_id)
    return RfmScoreType.of(found) if found else None


@strawberry.type(name="RfmSegmentCount", description="Customers in an RFM segment.")
class RfmSegmentCountType:
    name: str
    customers: BigInt


@strawberry.type(name="RfmSummary", description="The latest RFM scores across customers.")
class RfmSummaryType:
    computed_at: datetime | None = strawberry.field(description="Null before the first run.")
    customers: BigInt = strawberry.field(description="Customers with scores.")
    segments: list[RfmSegmentCountType] = strawberry.field(
        description="Every segment name, in the order its rules are tried."
    )
    recency: list[BigInt] = strawberry.field(description="Customers scoring 1, 2, 3, 4, 5.")
    frequency: list[BigInt]
    monetary: list[BigInt]

    @classmethod
    def of(cls, s: RfmSummary) -> RfmSummaryType:
        return cls(
            computed_at=s.computed_at,
            customers=BigInt(s.customers),
            segments=[RfmSegmentCountType(name=n, customers=BigInt(c)) for n, c in s.segments],
            recency=[BigInt(n) for n in s.recency],
            frequency=[BigInt(n) for n in s.frequency],
            monetary=[BigInt(n) for n in s.monetary],
        )


@strawberry.type(name="RfmRun", description="A computation of every customer's RFM scores.")
class RfmRunType:
    id: strawberry.ID
    as_of: datetime
    window_days: int
    customers: BigInt = strawberry.field(description="Customers scored.")
    finished_at: datetime | None
    superseded: bool = strawberry.field(
        description="A newer run started before this one finished; its scores stand."
    )

    @classmethod
    def of(cls, r: RfmRun) -> RfmRunType:
        return cls(
            id=strawberry.ID(str(r.id)),
            as_of=r.as_of,
            window_days=r.window_days,
            customers=BigInt(r.customers),
            finished_at=r.finished_at,
            superseded=r.superseded,
        )


@strawberry.input
class RecomputeRfmInput:
    idempotency_key: str = strawberry.field(description="The same key computes once.")


@strawberry.type
class RecomputeRfmPayload:
    run: RfmRunType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RfmMutations:
    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)],
        description="Score every customer now (what the daily job does), in seconds.",
    )
    @payload_on_error(RecomputeRfmPayload)
    async def recompute_rfm(self, info: Info, input: RecomputeRfmInput) -> RecomputeRfmPayload:
        done = await compute_rfm(
            info.context.new_uow(), input.idempotency_key, info.context.principal.actor
        )
        return RecomputeRfmPayload(run=RfmRunType.of(done))
