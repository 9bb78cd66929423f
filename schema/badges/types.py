"""Badge GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.badges.models import Badge, BadgeBasis
from domain.badges.resync import ResyncProgress, ResyncStatus
from domain.badges.standings import BadgeStanding
from schema.context import Info
from schema.permissions import requires

BadgeBasisEnum = strawberry.enum(
    BadgeBasis,
    name="BadgeBasis",
    description="What a badge's range measures: the balance, or lifetime earned points.",
)

BadgeResyncStatusEnum = strawberry.enum(
    ResyncStatus,
    name="BadgeResyncStatus",
    description="RUNNING: customers are still being brought in step with the badge's latest "
    "change; DONE: every customer holds it exactly when their points lie in its range.",
)


@strawberry.type(
    name="BadgeResync",
    description="The re-sync of a badge's holders after its latest change of range, basis or "
    "activity: the badge is changed at once, its holders a chunk of customers at a time.",
)
class BadgeResyncType:
    generation: int = strawberry.field(
        description="1 for the badge's creation, then one more for each change that re-syncs it."
    )
    status: BadgeResyncStatusEnum  # type: ignore[valid-type]
    customers_total: int = strawberry.field(
        description="Customers to re-sync (those with an account when it started; 0 until then)."
    )
    customers_done: int = strawberry.field(description="Customers re-synced so far.")
    unlocked_count: int = strawberry.field(description="Customers who unlocked it so far.")
    lost_count: int = strawberry.field(description="Customers who lost it so far.")
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, p: ResyncProgress) -> BadgeResyncType:
        return cls(
            generation=p.generation,
            status=p.status,
            customers_total=p.customers_total,
            customers_done=p.customers_done,
            unlocked_count=p.unlocked,
            lost_count=p.lost,
            started_at=p.started_at,
            finished_at=p.finished_at,
        )


@strawberry.type(
    name="Badge",
    description="Held while the customer's points (by `basis`) lie in minPoints..maxPoints.",
)
class BadgeType:
    id: strawberry.ID
    title: str
    description: str | None
    icon_url: str | None
    basis: BadgeBasisEnum  # type: ignore[valid-type]
    min_points: int = strawberry.field(description="Inclusive.")
    max_points: int | None = strawberry.field(description="Inclusive; null: no top.")
    active: bool
    created_at: datetime
    updated_at: datetime

    @strawberry.field(
        # It counts the program's customers and holders: report data, like customersPerBadge,
        # and refused to a customer token reading its badges through `me`.
        permission_classes=[requires(Permission.READ_REPORTS)],
        description="Its latest re-sync of holders, and how far it has gone (READ_REPORTS).",
    )
    async def resync(self, info: Info) -> BadgeResyncType | None:
        found = await info.context.loaders.badge_resync.load(int(self.id))
        return BadgeResyncType.of(found) if found is not None else None

    @classmethod
    def of(cls, b: Badge) -> BadgeType:
        spec = b.spec
        return cls(
            id=strawberry.ID(str(b.id)),
            title=spec.title,
            description=spec.description,
            icon_url=spec.icon_url,
            basis=spec.basis,
            min_points=spec.min_points,
            max_points=spec.max_points,
            active=spec.active,
            created_at=b.created_at,
            updated_at=b.updated_at,
        )


@strawberry.type(name="UnlockedBadge")
class UnlockedBadgeType:
    badge: BadgeType
    unlocked_at: datetime


@strawberry.type(name="NextBadge")
class NextBadgeType:
    badge: BadgeType
    points_needed: int = strawberry.field(
        description="More points (of the badge's basis) to unlock it."
    )


@strawberry.type(name="CustomerBadges")
class CustomerBadgesType:
    unlocked: list[UnlockedBadgeType] = strawberry.field(description="Lowest range first.")
    next: list[NextBadgeType] = strawberry.field(
        description="Active badges above the customer's points, fewest points needed first."
    )

    @classmethod
    def of(cls, s: BadgeStanding) -> CustomerBadgesType:
        return cls(
            unlocked=[
                UnlockedBadgeType(badge=BadgeType.of(u.badge), unlocked_at=u.unlocked_at)
                for u in s.unlocked
            ],
            next=[
                NextBadgeType(badge=BadgeType.of(n.badge), points_needed=n.points_needed)
                for n in s.next
            ],
        )
