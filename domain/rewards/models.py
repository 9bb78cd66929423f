"""Rewards as the catalogue holds them, and the checks on what a manager sets."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_NOTE_LENGTH, MAX_POINTS_PER_OPERATION
from domain.validation import optional_text, required_text
from domain.vouchers.issuing import MAX_VALIDITY_DAYS
from domain.vouchers.models import VoucherKind, VoucherTerms, check_value

MAX_STOCK = 1_000_000_000


class RewardKind(StrEnum):
    FREE_PRODUCT = "FREE_PRODUCT"  # issues a GIFT_ITEM voucher
    DISCOUNT = "DISCOUNT"  # issues a FIXED_AMOUNT or PERCENT voucher
    SERVICE = "SERVICE"  # issues a GIFT_ITEM voucher (the service's SKU)


_VOUCHER_KINDS = {
    RewardKind.FREE_PRODUCT: (VoucherKind.GIFT_ITEM,),
    RewardKind.SERVICE: (VoucherKind.GIFT_ITEM,),
    RewardKind.DISCOUNT: (VoucherKind.FIXED_AMOUNT, VoucherKind.PERCENT),
}


@dataclass(frozen=True)
class RewardSpec:
    """What a manager sets on a reward; `voucher` is what a claim issues (its kind and
    value: it is single use, assigned to the customer, valid `validity_days` from the
    claim, or without end when None)."""

    name: str
    kind: RewardKind
    cost_points: int
    voucher: VoucherTerms
    validity_days: int | None = None
    description: str | None = None
    stock: int | None = None
    per_customer_limit: int | None = None
    active: bool = True

    def columns(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "kind": self.kind.value,
            "cost_points": self.cost_points,
            "stock": self.stock,
            "per_customer_limit": self.per_customer_limit,
            "active": self.active,
            "voucher_kind": self.voucher.kind.value,
            "voucher_value_minor": self.voucher.value_minor,
            "voucher_percent_bp": self.voucher.percent_bp,
            "voucher_gift_sku": self.voucher.gift_sku,
            "voucher_validity_days": self.validity_days,
        }


@dataclass(frozen=True)
class Reward:
    id: int
    spec: RewardSpec
    claimed: int
    created_at: datetime
    updated_at: datetime


def reward_of(row: Any) -> Reward:
    spec = RewardSpec(
        name=row.name,
        kind=RewardKind(row.kind),
        cost_points=row.cost_points,
        voucher=VoucherTerms(
            VoucherKind(row.voucher_kind),
            value_minor=row.voucher_value_minor,
            percent_bp=row.voucher_percent_bp,
            gift_sku=row.voucher_gift_sku,
        ),
        validity_days=row.voucher_validity_days,
        description=row.description,
        stock=row.stock,
        per_customer_limit=row.per_customer_limit,
        active=row.active,
    )
    return Reward(row.id, spec, row.claimed, row.created_at, row.updated_at)


def check_spec(problems: Problems, spec: RewardSpec) -> RewardSpec:
    """Every problem of a reward's settings at once; the cleaned settings."""
    name = required_text(problems, "name", spec.name)
    description = optional_text(problems, "description", spec.description, MAX_NOTE_LENGTH)
    if not 0 < spec.cost_points <= MAX_POINTS_PER_OPERATION:
        problems.add(
            "costPoints", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_POINTS_PER_OPERATION} points."
        )
    if spec.stock is not None and not 0 <= spec.stock <= MAX_STOCK:
        problems.add("stock", ErrorCode.OUT_OF_RANGE, "Zero or more; null for unlimited.")
    if spec.per_customer_limit is not None and not 0 < spec.per_customer_limit <= MAX_STOCK:
        problems.add("perCustomerLimit", ErrorCode.OUT_OF_RANGE, "1 or more; null for none.")
    allowed = _VOUCHER_KINDS[spec.kind]
    if spec.voucher.kind not in allowed:
        problems.add(
            "voucher.kind",
            ErrorCode.INVALID,
            f"A {spec.kind} reward issues a {' or '.join(allowed)} voucher.",
        )
    voucher = check_value(problems, spec.voucher, "voucher.")
    if spec.validity_days is not None and not 0 < spec.validity_days <= MAX_VALIDITY_DAYS:
        problems.add(
            "voucher.validityDays",
            ErrorCode.OUT_OF_RANGE,
            f"1 to {MAX_VALIDITY_DAYS} days, or null for no end.",
        )
    return replace(spec, name=name, description=description, voucher=voucher)
