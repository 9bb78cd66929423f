"""Gift schedule GraphQL types, converted from domain objects at the edge."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from domain.gifts.models import GiftRun, GiftSchedule
from schema.context import Info
from schema.errors import client_error
from schema.scalars import BigInt

MAX_RECENT_RUNS = 50


@strawberry.type(name="GiftRun", description="One period of a schedule, paid once.")
class GiftRunType:
    id: strawberry.ID
    period: datetime = strawberry.field(description="The cron fire time this run stands for.")
    started_at: datetime
    finished_at: datetime | None
    customers_credited: int
    customers_skipped: int = strawberry.field(
        description="Matching customers left out: the gift would take them over the ceiling."
    )
    points_credited: BigInt

    @classmethod
    def of(cls, r: GiftRun) -> GiftRunType:
        return cls(
            id=strawberry.ID(str(r.id)),
            period=r.period,
            started_at=r.started_at,
            finished_at=r.finished_at,
            customers_credited=r.customers_credited,
            customers_skipped=r.customers_skipped,
            points_credited=BigInt(r.points_credited),
        )


@strawberry.type(
    name="GiftFilter", description="Every given criterion must match; null ones match all."
)
class GiftFilterType:
    category_ids: list[strawberry.ID] | None = strawberry.field(description="Any of them.")
    min_balance: int | None
    max_balance: int | None
    registered_after: datetime | None = strawberry.field(description="Inclusive.")
    registered_before: datetime | None = strawberry.field(description="Exclusive.")
    segment: str | None = strawberry.field(
        default=None, description="A saved segment the customers must also be in."
    )


@strawberry.type(name="GiftSchedule")
class GiftScheduleType:
    id: strawberry.ID
    name: str
    cron: str = strawberry.field(description="Five crontab fields, in UTC.")
    points: int = strawberry.field(description="Given to each matching customer per period.")
    description: str = strawberry.field(description="The note customers see on the entry.")
    filter: GiftFilterType
    active: bool
    created_at: datetime
    updated_at: datetime
    schedule: strawberry.Private[GiftSchedule]

    @classmethod
    def of(cls, s: GiftSchedule) -> GiftScheduleType:
        f = s.spec.filter
        return cls(
            id=strawberry.ID(str(s.id)),
            name=s.spec.name,
            cron=s.spec.cron,
            points=s.spec.points,
            description=s.spec.description,
            filter=GiftFilterType(
                category_ids=[strawberry.ID(c) for c in f.category_ids] if f.category_ids else None,
                min_balance=f.min_balance,
                max_balance=f.max_balance,
                registered_after=f.registered_after,
                registered_before=f.registered_before,
                segment=f.segment,
            ),
            active=s.spec.active,
            created_at=s.created_at,
            updated_at=s.updated_at,
            schedule=s,
        )

    @strawberry.field(
        description="When it pays next: a period already due (paid within the minute), or "
        "its next fire time; null when inactive."
    )
    def next_run_at(self) -> datetime | None:
        return self.schedule.next_run_at(datetime.now(UTC))

    @strawberry.field(description="Its latest runs, newest period first.")
    async def recent_runs(self, info: Info, first: int = 10) -> list[GiftRunType]:
        if not 1 <= first <= MAX_RECENT_RUNS:
            raise client_error(f"'first' must be between 1 and {MAX_RECENT_RUNS}.", field="first")
        runs = await info.context.loaders.gift_runs.load((self.schedule.id, first))
        return [GiftRunType.of(r) for r in runs]
