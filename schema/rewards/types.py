"""Rewards GraphQL output types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.rewards.claims import Claim
from domain.rewards.models import Reward, RewardKind
from domain.rewards.standings import RewardStanding, StandingReason
from schema.permissions import requires
from schema.scalars import Money
from schema.vouchers.enums import VoucherKindEnum

RewardKindEnum = strawberry.enum(RewardKind, name="RewardKind")
RewardStandingReasonEnum = strawberry.enum(
    StandingReason, name="RewardStandingReason", description="Why it cannot be claimed now."
)


@strawberry.type(
    name="RewardVoucher",
    description="The voucher a claim issues: single use, assigned to the customer.",
)
class RewardVoucherType:
    kind: VoucherKindEnum  # type: ignore[valid-type]
    value_minor: Money | None
    percent_bp: int | None
    gift_sku: str | None
    validity_days: int | None = strawberry.field(description="From the claim; null: no end.")


@strawberry.type(name="Reward")
class RewardType:
    id: strawberry.ID
    name: str
    description: str | None
    kind: RewardKindEnum  # type: ignore[valid-type]
    cost_points: int
    stock: int | None = strawberry.field(description="Left to claim; null: unlimited.")
    per_customer_limit: int | None = strawberry.field(description="Null: no limit.")
    active: bool
    claimed: int | None = strawberry.field(
        # Staff only: a figure of the whole program, refused to a customer token reading its
        # rewards through `me` (staff read it with the catalogue, VIEW_POINTS). Nullable, so
        # that the refusal is this field's error (null) and not the loss of the whole `me`.
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="Claims so far, all customers (staff only: null, with a FORBIDDEN "
        "error, for a customer token).",
    )
    voucher: RewardVoucherType
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: Reward) -> RewardType:
        spec = r.spec
        return cls(
            id=strawberry.ID(str(r.id)),
            name=spec.name,
            description=spec.description,
            kind=spec.kind,
            cost_points=spec.cost_points,
            stock=spec.stock,
            per_customer_limit=spec.per_customer_limit,
            active=spec.active,
            claimed=r.claimed,
            voucher=RewardVoucherType(
                kind=spec.voucher.kind,
                value_minor=Money(spec.voucher.value_minor)
                if spec.voucher.value_minor is not None
                else None,
                percent_bp=spec.voucher.percent_bp,
                gift_sku=spec.voucher.gift_sku,
                validity_days=spec.validity_days,
            ),
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


@strawberry.type(name="RewardStanding", description="How far a customer is from a reward.")
class RewardStandingType:
    reward: RewardType
    points_needed: int = strawberry.field(
        description="Cost minus spendable points, 0 when affordable."
    )
    claimed: int = strawberry.field(description="Times this customer claimed it.")
    claimable: bool = strawberry.field(description="Whether a claim would succeed now.")
    reasons: list[RewardStandingReasonEnum]  # type: ignore[valid-type]

    @classmethod
    def of(cls, s: RewardStanding) -> RewardStandingType:
        return cls(
            reward=RewardType.of(s.reward),
            points_needed=s.points_needed,
            claimed=s.claimed,
            claimable=s.claimable,
            reasons=list(s.reasons),
        )


@strawberry.type(name="RewardClaim")
class RewardClaimType:
    id: strawberry.ID
    reward: RewardType
    customer_id: strawberry.ID
    points_spent: int
    entry_id: strawberry.ID = strawberry.field(description="The REDEMPTION entry that paid.")
    created_at: datetime

    @classmethod
    def of(cls, c: Claim) -> RewardClaimType:
        return cls(
            id=strawberry.ID(str(c.id)),
            reward=RewardType.of(c.reward),
            customer_id=strawberry.ID(str(c.customer_id)),
            points_spent=c.points,
            entry_id=strawberry.ID(str(c.entry_id)),
            created_at=c.created_at,
        )
