"""Rewards GraphQL inputs."""

from __future__ import annotations

import strawberry

from domain.vouchers.models import VoucherKind, VoucherTerms
from schema.rewards.types import RewardKindEnum
from schema.scalars import Money
from schema.vouchers.enums import VoucherKindEnum


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


@strawberry.input(description="Buy a reward with points; it issues the reward's voucher.")
class ClaimRewardInput:
    reward_id: strawberry.ID
    idempotency_key: str
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff name the customer; a customer app may leave it out."
    )
