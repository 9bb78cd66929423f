"""Badge GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.badges.models import Badge, BadgeBasis
from domain.badges.standings import BadgeStanding

BadgeBasisEnum = strawberry.enum(
    BadgeBasis,
    name="BadgeBasis",
    description="What a badge's range measures: the balance, or lifetime earned points.",
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
