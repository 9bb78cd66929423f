"""How many points a purchase earns: pure integer arithmetic, no I/O.

points = floor(sum over eligible lines of amount_minor * promotion
               * points_per_unit * category multiplier / spend_unit_minor)
       + sum over lines with a product override of floor(override points * promotion).

A line's override is its SKU's, else its product line's (the SKU's wins). Its promotion is
the highest multiplier among the promotions frozen in the snapshot that cover its product
line (1 when none does). The part of the order not paid in money (points, vouchers) comes
off the eligible amount of the lines with the lowest promotion first. Nothing is earned when
the order total is below the minimum order amount. Points beyond the balance ceiling can
never be credited: past it, the result is the ceiling plus one (ledger.policy.credit_bound)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.ledger import policy

# Multipliers have at most 4 decimal places, so they scale to exact integers.
_MULTIPLIER_SCALE = 10_000
# PERCENT overrides are in basis points of the line amount counted in major units
# (100 minor units): a 50.00 line at 1000 bp (10%) earns 5 points.
_PERCENT_DIVISOR = 10_000 * 100


class PurchaseStatus(StrEnum):
    CREATED = "CREATED"
    PAID = "PAID"
    COMPLETED = "COMPLETED"

    @property
    def rank(self) -> int:
        return list(PurchaseStatus).index(self)


class OverrideMode(StrEnum):
    FIXED_PER_UNIT = "FIXED_PER_UNIT"
    PERCENT = "PERCENT"
    EXCLUDED = "EXCLUDED"


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    unit_price_minor: int
    discounted: bool = False
    product_line: str | None = None

    @property
    def amount_minor(self) -> int:
        return self.quantity * self.unit_price_minor


@dataclass(frozen=True)
class EarningRule:
    points_per_unit: int
    spend_unit_minor: int
    award_status: PurchaseStatus
    min_order_minor: int
    exclude_discounted: bool


Overrides = Mapping[str, tuple[OverrideMode, int]]


@dataclass(frozen=True)
class PromotionTerms:
    """A promotion as it applies to one purchase (its time and channel already matched)."""

    id: int
    multiplier: Decimal
    product_lines: tuple[str, ...] = ()  # empty: every line

    def covers(self, line: Line) -> bool:
        return not self.product_lines or line.product_line in self.product_lines


@dataclass(frozen=True)
class EarningSnapshot:
    """Everything the computation needs, frozen at award time so refunds reverse exactly."""

    points_per_unit: int
    spend_unit_minor: int
    min_order_minor: int
    exclude_discounted: bool
    multiplier: Decimal
    overrides: dict[str, tuple[OverrideMode, int]] = field(default_factory=dict)
    # Not paid in money: taken off the order by vouchers, or paid with points (unless the
    # program lets that earn). That part of the eligible amount earns nothing.
    points_paid_minor: int = 0
    # Overrides by product line (a SKU's own override wins), and the promotions in force.
    line_overrides: dict[str, tuple[OverrideMode, int]] = field(default_factory=dict)
    promotions: tuple[PromotionTerms, ...] = ()

    @classmethod
    def of(
        cls,
        rule: EarningRule,
        multiplier: Decimal,
        overrides: Overrides,
        points_paid_minor: int = 0,
        line_overrides: Overrides | None = None,
        promotions: tuple[PromotionTerms, ...] = (),
    ) -> EarningSnapshot:
        return cls(
            rule.points_per_unit,
            rule.spend_unit_minor,
            rule.min_order_minor,
            rule.exclude_discounted,
            multiplier,
            dict(overrides),
            points_paid_minor,
            dict(line_overrides or {}),
            promotions,
        )

    def override_for(self, line: Line) -> tuple[OverrideMode, int] | None:
        found = self.overrides.get(line.sku)
        if found is None and line.product_line is not None:
            found = self.line_overrides.get(line.product_line)
        return found

    def promotion_scaled(self, line: Line) -> int:
        """The highest multiplier of the promotions covering the line, scaled by 10^4."""
        return max(
            (_scaled(p.multiplier) for p in self.promotions if p.covers(line)),
            default=_MULTIPLIER_SCALE,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "points_per_unit": self.points_per_unit,
            "spend_unit_minor": self.spend_unit_minor,
            "min_order_minor": self.min_order_minor,
            "exclude_discounted": self.exclude_discounted,
            "multiplier": str(self.multiplier),
            "overrides": _overrides_json(self.overrides),
            "points_paid_minor": self.points_paid_minor,
            "line_overrides": _overrides_json(self.line_overrides),
            "promotions": [
                [p.id, str(p.multiplier), list(p.product_lines)] for p in self.promotions
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EarningSnapshot:
        return cls(
            data["points_per_unit"],
            data["spend_unit_minor"],
            data["min_order_minor"],
            data["exclude_discounted"],
            Decimal(data["multiplier"]),
            _overrides_of(data["overrides"]),
            int(data.get("points_paid_minor", 0)),
            _overrides_of(data.get("line_overrides", {})),
            tuple(
                PromotionTerms(int(pid), Decimal(multiplier), tuple(lines))
                for pid, multiplier, lines in data.get("promotions", [])
            ),
        )


def _overrides_json(overrides: Overrides) -> dict[str, list[Any]]:
    return {key: [mode.value, value] for key, (mode, value) in overrides.items()}


def _overrides_of(data: dict[str, Any]) -> dict[str, tuple[OverrideMode, int]]:
    return {key: (OverrideMode(m), int(v)) for key, (m, v) in data.items()}


def _scaled(multiplier: Decimal) -> int:
    return int(multiplier * _MULTIPLIER_SCALE)


def override_points(mode: OverrideMode, value: int, line: Line) -> int:
    if mode is OverrideMode.FIXED_PER_UNIT:
        return value * line.quantity
    if mode is OverrideMode.PERCENT:
        return line.amount_minor * value // _PERCENT_DIVISOR
    return 0


def points_for(lines: list[Line], snapshot: EarningSnapshot) -> int:
    """The points these lines earn under the snapshot's rule (0 below the minimum order),
    exact up to the balance ceiling; beyond it BALANCE_CEILING + 1, which any credit of them
    refuses just the same (ledger.policy.credit_bound): a promotion's multiplier on a large
    order, or a large pointsPerUnit, can take the exact product past 64 bits."""
    total = sum(line.amount_minor for line in lines)
    if total <= 0 or total < snapshot.min_order_minor:
        return 0
    eligible: dict[int, int] = {}  # scaled promotion multiplier -> eligible amount
    extra = 0
    for line in lines:
        promotion = snapshot.promotion_scaled(line)
        override = snapshot.override_for(line)
        if override is not None:
            extra += override_points(*override, line) * promotion // _MULTIPLIER_SCALE
        elif not (snapshot.exclude_discounted and line.discounted):
            eligible[promotion] = eligible.get(promotion, 0) + line.amount_minor
    not_paid_in_money = snapshot.points_paid_minor
    weighted = 0  # eligible amount times its promotion, scaled by 10^4
    for promotion in sorted(eligible):
        taken = min(eligible[promotion], not_paid_in_money)
        not_paid_in_money -= taken
        weighted += (eligible[promotion] - taken) * promotion
    base = (
        weighted
        * snapshot.points_per_unit
        * _scaled(snapshot.multiplier)
        // (snapshot.spend_unit_minor * _MULTIPLIER_SCALE * _MULTIPLIER_SCALE)
    )
    return policy.credit_bound(base + extra)
