"""Rewards queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.rewards import claims, services
from domain.rewards.models import RewardSpec
from domain.vouchers.models import VoucherKind, VoucherTerms
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.ledger.types import PointsSummaryType
from schema.permissions import customer_or, requires
from schema.rewards.types import RewardKindEnum, RewardType
from schema.scalars import Money
from schema.vouchers.enums import VoucherKindEnum
from schema.vouchers.types import VoucherType


@strawberry.input(description="The voucher a claim issues; give the one value its kind uses.")
class RewardVoucherInput:
    kind: VoucherKindEnum  # type: ignore[valid-type]
    value_minor: Money | None = None
    percent_bp: int | None = None
    gift_sku: str | None = None
    validity_days: int | None = strawberry.field(
        default=None, description="Days from the claim; null: no end."
    )

    def terms(self) -> VoucherTerms:
        return VoucherTerms(
            VoucherKind(self.kind), self.value_minor, self.percent_bp, self.gift_sku
        )


@strawberry.input(
    description="FREE_PRODUCT and SERVICE rewards issue GIFT_ITEM vouchers, DISCOUNT rewards "
    "FIXED_AMOUNT or PERCENT ones."
)
class CreateRewardInput:
    name: str
    kind: RewardKindEnum  # type: ignore[valid-type]
    cost_points: int
    voucher: RewardVoucherInput
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first reward and writes nothing."
    )
    description: str | None = None
    stock: int | None = strawberry.field(default=None, description="Null: unlimited.")
    per_customer_limit: int | None = strawberry.field(default=None, description="Null: none.")
    active: bool = True


@strawberry.input(description="Fields left out stay as they are; null removes a limit.")
class UpdateRewardInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    kind: RewardKindEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    cost_points: int | None = strawberry.UNSET
    voucher: RewardVoucherInput | None = strawberry.UNSET
    stock: int | None = strawberry.UNSET
    per_customer_limit: int | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.type
class RewardPayload:
    reward: RewardType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Buy a reward with points; it issues the reward's voucher.")
class ClaimRewardInput:
    reward_id: strawberry.ID
    idempotency_key: str
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff name the customer; a customer app may leave it out."
    )


@strawberry.type(name="RewardClaim")
class RewardClaimType:
    id: strawberry.ID
    reward: RewardType
    customer_id: strawberry.ID
    points_spent: int
    entry_id: strawberry.ID = strawberry.field(description="The REDEMPTION entry that paid.")
    created_at: datetime


@strawberry.type
class ClaimRewardPayload:
    claim: RewardClaimType | None = None
    voucher: VoucherType | None = strawberry.field(default=None, description="What it issued.")
    points: PointsSummaryType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RewardQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="The catalogue, cheapest first.",
    )
    async def rewards(self, info: Info, active_only: bool = False) -> list[RewardType]:
        found = await services.list_rewards(info.context.new_uow(), active_only)
        return [RewardType.of(r) for r in found]


@strawberry.type
class RewardMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_REWARDS)])
    @payload_on_error(RewardPayload)
    async def create_reward(self, info: Info, input: CreateRewardInput) -> RewardPayload:
        spec = RewardSpec(
            name=input.name,
            kind=input.kind,
            cost_points=input.cost_points,
            voucher=input.voucher.terms(),
            validity_days=input.voucher.validity_days,
            description=input.description,
            stock=input.stock,
            per_customer_limit=input.per_customer_limit,
            active=input.active,
        )
        created = await services.create_reward(info.context.new_uow(), spec, input.idempotency_key)
        return RewardPayload(reward=RewardType.of(created.item), replayed=created.replayed)

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_REWARDS)])
    @payload_on_error(RewardPayload)
    async def update_reward(self, info: Info, input: UpdateRewardInput) -> RewardPayload:
        changes: dict[str, Any] = changed_fields(
            input,
            required=("name", "kind", "cost_points", "voucher", "active"),
            nullable=("description", "stock", "per_customer_limit"),
        )
        if "voucher" in changes:
            voucher = changes.pop("voucher")
            changes.update(voucher=voucher.terms(), validity_days=voucher.validity_days)
        reward = await services.update_reward(info.context.new_uow(), input.id, changes)
        return RewardPayload(reward=RewardType.of(reward))

    @strawberry.mutation(
        permission_classes=[customer_or(Permission.REDEEM_POINTS)],
        description="Staff with REDEEM_POINTS claim for a customer; a customer for itself.",
    )
    @payload_on_error(ClaimRewardPayload)
    async def claim_reward(self, info: Info, input: ClaimRewardInput) -> ClaimRewardPayload:
        done = await claims.claim_reward(
            info.context.new_uow(),
            input.reward_id,
            input.customer_id,
            input.idempotency_key,
            info.context.principal,
        )
        return ClaimRewardPayload(
            claim=RewardClaimType(
                id=strawberry.ID(str(done.id)),
                reward=RewardType.of(done.reward),
                customer_id=strawberry.ID(str(done.customer_id)),
                points_spent=done.points,
                entry_id=strawberry.ID(str(done.entry_id)),
                created_at=done.created_at,
            ),
            voucher=VoucherType.of(done.voucher),
            points=PointsSummaryType.of(done.account),
            replayed=done.replayed,
        )
