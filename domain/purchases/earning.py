"""How many points a purchase earns: pure integer arithmetic, no I/O.

points = floor(eligible_minor * points_per_unit * multiplier / spend_unit_minor)
       + the points of lines with a product override (not multiplied by the category).
Nothing is earned when the order total is below the minimum order amount."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

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

    @classmethod
    def of(
        cls,
        rule: EarningRule,
        multiplier: Decimal,
        overrides: dict[str, tuple[OverrideMode, int]],
        points_paid_minor: int = 0,
    ) -> EarningSnapshot:
        return cls(
            rule.points_per_unit,
            rule.spend_unit_minor,
            rule.min_order_minor,
            rule.exclude_discounted,
            multiplier,
            overrides,
            points_paid_minor,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "points_per_unit": self.points_per_unit,
            "spend_unit_minor": self.spend_unit_minor,
            "min_order_minor": self.min_order_minor,
            "exclude_discounted": self.exclude_discounted,
            "multiplier": str(self.multiplier),
            "overrides": {
                sku: [mode.value, value] for sku, (mode, value) in self.overrides.items()
            },
            "points_paid_minor": self.points_paid_minor,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EarningSnapshot:
        return cls(
            data["points_per_unit"],
            data["spend_unit_minor"],
            data["min_order_minor"],
            data["exclude_discounted"],
            Decimal(data["multiplier"]),
            {sku: (OverrideMode(m), int(v)) for sku, (m, v) in data["overrides"].items()},
            int(data.get("points_paid_minor", 0)),
        )


def override_points(mode: OverrideMode, value: int, line: Line) -> int:
    if mode is OverrideMode.FIXED_PER_UNIT:
        return value * line.quantity
    if mode is OverrideMode.PERCENT:
        return line.amount_minor * value // _PERCENT_DIVISOR
    return 0


def points_for(lines: list[Line], snapshot: EarningSnapshot) -> int:
    """The points these lines earn under the snapshot's rule (0 below the minimum order)."""
    total = sum(line.amount_minor for line in lines)
    if total <= 0 or total < snapshot.min_order_minor:
        return 0
    eligible = 0
    extra = 0
    for line in lines:
        override = snapshot.overrides.get(line.sku)
        if override is not None:
            extra += override_points(override[0], override[1], line)
        elif not (snapshot.exclude_discounted and line.discounted):
            eligible += line.amount_minor
    eligible = max(0, eligible - snapshot.points_paid_minor)
    scaled = int(snapshot.multiplier * _MULTIPLIER_SCALE)
    base = (
        eligible
        * snapshot.points_per_unit
        * scaled
        // (snapshot.spend_unit_minor * _MULTIPLIER_SCALE)
    )
    return base + extra
