"""How many points a cart can take and what they are worth: pure integer arithmetic.

Points are worth `value_per_unit_minor` for every `points_per_unit` (100 points = 1.00 is
100 and 100). A number of points p pays floor(p * value / points) minor units, never more;
a quote asks for the fewest points that pay its value, so no point is spent for nothing.

What the account allows (spendable points, the minimum balance to redeem) is the ledger
policy's (domain/ledger/policy.py): the quote, the checks before a payment and the guard of
its write apply the same rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from domain.ledger import policy


class QuoteReason(StrEnum):
    """Why nothing (or less) can be paid with points."""

    NO_POINTS = "NO_POINTS"
    BELOW_MIN_BALANCE = "BELOW_MIN_BALANCE"
    BELOW_MIN_CART = "BELOW_MIN_CART"
    NOTHING_ELIGIBLE = "NOTHING_ELIGIBLE"
    TOO_FEW_POINTS = "TOO_FEW_POINTS"  # they are worth less than one minor unit
    PRIZE_CARDS_ONLY = "PRIZE_CARDS_ONLY"  # their points count towards rewards only


@dataclass(frozen=True)
class CartLine:
    sku: str
    quantity: int
    unit_price_minor: int
    discounted: bool = False
    product_line: str | None = None

    @property
    def amount_minor(self) -> int:
        return self.quantity * self.unit_price_minor


@dataclass(frozen=True)
class RedemptionRules:
    points_per_unit: int
    value_per_unit_minor: int
    min_balance_points: int = 0
    min_cart_minor: int = 0
    max_discount_minor: int | None = None
    max_discount_bp: int | None = None
    exclude_discounted: bool = False
    earn_on_points_paid: bool = False
    # (kind, key) -> payable; kind is "SKU" or "LINE".
    product_rules: dict[tuple[str, str], bool] = field(default_factory=dict)

    def value_of(self, points: int) -> int:
        """What `points` pay, in minor units, rounded down."""
        return points * self.value_per_unit_minor // self.points_per_unit

    def points_for(self, value_minor: int) -> int:
        """The fewest points that pay `value_minor`."""
        return -(-value_minor * self.points_per_unit // self.value_per_unit_minor)

    def payable(self, line: CartLine) -> bool:
        """Whether points may pay for this line: an exclusion (by SKU or product line) always
        wins; when any product is listed as payable, only listed products are."""
        keys = [("SKU", line.sku)] + ([("LINE", line.product_line)] if line.product_line else [])
        listed = [self.product_rules[k] for k in keys if k in self.product_rules]
        if False in listed:
            return False
        if self.exclude_discounted and line.discounted:
            return False
        has_allowlist = any(self.product_rules.values())
        return bool(listed) if has_allowlist else True


@dataclass(frozen=True)
class Quote:
    spendable_points: int
    cart_total_minor: int
    eligible_minor: int
    max_points: int
    max_value_minor: int
    reasons: tuple[QuoteReason, ...]


def quote(
    rules: RedemptionRules,
    spendable_points: int,
    lines: list[CartLine],
    already_minor: int = 0,
    vouchers_minor: int = 0,
    pays_orders: bool = True,
) -> Quote:
    """The most points this cart can take, their value, and why it is not more.

    `already_minor` is what points already paid on this order: it counts against the
    eligible amount and the caps, so several redemptions never exceed them together.
    `vouchers_minor` is what vouchers took off the order: points never pay more than what
    is left of the cart after them (vouchers are not points, so the caps ignore them).
    `pays_orders` is the ledger policy's PAYABLE (False: the customer holds PRIZE cards
    only, and nothing can be paid with points)."""
    total = sum(line.amount_minor for line in lines)
    payable = sum(ln.amount_minor for ln in lines if rules.payable(ln))
    eligible = max(0, min(payable, total - vouchers_minor) - already_minor)
    reasons: list[QuoteReason] = []
    if not policy.points_pay_orders(policy.Funds(spendable_points, 0, pays_orders)):
        reasons.append(QuoteReason.PRIZE_CARDS_ONLY)
    if spendable_points <= 0:
        reasons.append(QuoteReason.NO_POINTS)
    elif not policy.meets_minimum(spendable_points, rules.min_balance_points):
        reasons.append(QuoteReason.BELOW_MIN_BALANCE)
    if total < rules.min_cart_minor:
        reasons.append(QuoteReason.BELOW_MIN_CART)
    if eligible == 0:
        reasons.append(QuoteReason.NOTHING_ELIGIBLE)
    if reasons:
        return Quote(spendable_points, total, eligible, 0, 0, tuple(reasons))
    cap = eligible
    if rules.max_discount_minor is not None:
        cap = min(cap, rules.max_discount_minor - already_minor)
    if rules.max_discount_bp is not None:
        cap = min(cap, total * rules.max_discount_bp // 10_000 - already_minor)
    cap = max(cap, 0)
    value = min(cap, rules.value_of(spendable_points))
    if value == 0:
        return Quote(spendable_points, total, eligible, 0, 0, (QuoteReason.TOO_FEW_POINTS,))
    return Quote(spendable_points, total, eligible, rules.points_for(value), value, ())
