"""Notice recipient and settings inputs."""

from __future__ import annotations

import strawberry

from notifications.notices.models import RecipientSpec
from notifications.notices.recipients import RecipientChanges
from schema.notifications.notices.types import NoticeKindEnum


@strawberry.input
class AddNoticeRecipientInput:
    email: str = strawberry.field(description="One address (stored in lower case).")
    kinds: list[NoticeKindEnum] = strawberry.field(  # type: ignore[valid-type]
        description="At least one."
    )
    shop: str | None = strawberry.field(
        default=None,
        description="A shop code as purchases use; null or left out: program-wide.",
    )
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first recipient and writes nothing."
    )

    def spec(self) -> RecipientSpec:
        return RecipientSpec(
            email=self.email, kinds=tuple(str(k) for k in self.kinds), shop=self.shop
        )


@strawberry.input(description="What is left out stays as it is.")
class UpdateNoticeRecipientInput:
    id: strawberry.ID
    email: str | None = None
    kinds: list[NoticeKindEnum] | None = None  # type: ignore[valid-type]
    shop: str | None = strawberry.field(default=None, description="Move it to this shop.")
    program_wide: bool = strawberry.field(
        default=False, description="Make it program-wide (clears its shop)."
    )

    def changes(self) -> RecipientChanges:
        return RecipientChanges(
            email=self.email,
            kinds=None if self.kinds is None else tuple(str(k) for k in self.kinds),
            shop=self.shop,
            program_wide=self.program_wide,
        )


@strawberry.input
class RemoveNoticeRecipientInput:
    id: strawberry.ID


@strawberry.input
class SetLargeAdjustmentThresholdInput:
    points: int = strawberry.field(
        description="At least 1: manual adjustments of this many points or more are noticed."
    )
