"""Notice recipients and settings as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from notifications.notices.models import NoticeKind, NoticeSettings, Recipient

NoticeKindEnum = strawberry.enum(
    NoticeKind,
    name="NoticeKind",
    description="A kind of staff notice: a promotion started (its filter and how many "
    "customers it is for), a manual adjustment of at least the threshold, a gift run or an "
    "expiry run finished (its totals).",
)


@strawberry.type(
    name="NoticeRecipient",
    description="An email address that receives staff notices of some kinds. A recipient of "
    "a shop hears of the large adjustments made at that shop; a program-wide one (no shop) of "
    "all of them; both hear of every promotion start, gift run and expiry run of their kinds.",
)
class NoticeRecipientType:
    id: strawberry.ID
    email: str
    shop: str | None = strawberry.field(
        description="A shop code as purchases use; null: program-wide (every shop)."
    )
    kinds: list[NoticeKindEnum]  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: Recipient) -> NoticeRecipientType:
        return cls(
            id=strawberry.ID(str(r.id)),
            email=r.email,
            shop=r.shop,
            kinds=list(r.kinds),
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


@strawberry.type(name="NoticeSettings")
class NoticeSettingsType:
    large_adjustment_points: int = strawberry.field(
        description="A manual adjustment (credit or debit) of at least this many points is "
        "noticed to staff (LARGE_ADJUSTMENT)."
    )
    actor: str | None = strawberry.field(description="Who set it last; null: the default.")
    updated_at: datetime | None

    @classmethod
    def of(cls, s: NoticeSettings) -> NoticeSettingsType:
        return cls(
            large_adjustment_points=s.large_adjustment_points,
            actor=s.actor,
            updated_at=s.updated_at,
        )
