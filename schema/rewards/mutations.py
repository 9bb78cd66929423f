"""Rewards mutations: the catalogue's rewards created and changed, and claims; each returns
a payload with userErrors."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.rewards import claims, services
from domain.rewards.models import RewardSpec
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.ledger.types import PointsSummaryType
from schema.permissions import customer_or, requires
from schema.rewards.inputs import ClaimRewardInput, CreateRewardInput, UpdateRewardInput
from schema.rewards.types import RewardClaimType, RewardType
from schema.vouchers.types import VoucherType


@strawberry.type
class RewardPayload:
    reward: RewardType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ClaimRewardPayload:
    claim: RewardClaimType | None = None
    voucher: VoucherType | None = strawberry.field(default=None, description="What it issued.")
    points: PointsSummaryType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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
            claim=RewardClaimType.of(done),
            voucher=VoucherType.of(done.voucher),
            points=PointsSummaryType.of(done.account),
            replayed=done.replayed,
        )
