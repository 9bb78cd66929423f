"""Gift schedule inputs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.gifts.models import GiftFilter


@strawberry.input(
    name="GiftFilterInput", description="Every given criterion must match; balances inclusive."
)
class GiftFilterInput:
    category_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Customers in any of these categories."
    )
    min_balance: int | None = None
    max_balance: int | None = None
    registered_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    registered_before: datetime | None = strawberry.field(default=None, description="Exclusive.")
    segment: str | None = strawberry.field(
        default=None, description="A saved segment the customers must also be in, by name."
    )

    def to_domain(self) -> GiftFilter:
        return GiftFilter(
            category_ids=tuple(self.category_ids) if self.category_ids is not None else None,
            min_balance=self.min_balance,
            max_balance=self.max_balance,
            registered_after=self.registered_after,
            registered_before=self.registered_before,
            segment=self.segment,
        )


@strawberry.input(
    description="Every customer matching `filter` (all when left out) gets `points` with "
    "`description` as the entry's note, once per fire time of `cron` (5 fields, UTC)."
)
class CreateGiftScheduleInput:
    name: str
    cron: str = strawberry.field(description="minute hour day-of-month month day-of-week, UTC.")
    points: int
    description: str
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first schedule and writes nothing."
    )
    filter: GiftFilterInput | None = None
    active: bool = True


@strawberry.input(
    description="Fields left out stay as they are; a filter given replaces the whole filter. "
    "A new cron, or active again, starts the periods afresh from now."
)
class UpdateGiftScheduleInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    cron: str | None = strawberry.UNSET
    points: int | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    filter: GiftFilterInput | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
