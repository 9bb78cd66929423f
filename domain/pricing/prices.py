"""Pricing a cart for a customer with the price rules: pure integer arithmetic.

For each line, every rule that is active and valid at the time, whose condition the customer
meets and whose scope covers the line gives a unit price:

    PERCENT       unit - floor(unit * percent_bp / 10000)   (the discount rounds down)
    AMOUNT_OFF    max(0, unit - amount_off)
    MEMBER_PRICE  member_price

The lowest of them applies, if it is below the shelf price (ties: the oldest rule, the
lowest id); otherwise the line keeps its shelf price and no rule applies. A line's total is
its member unit price * quantity, so a price is never below zero and never above the shelf
price."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.checkout.quote import CartLine
from domain.pricing.models import (
    MAX_BP,
    PriceCondition,
    PriceEffect,
    PriceRule,
    PriceRuleSpec,
    PriceScope,
)


@dataclass(frozen=True)
class Member:
    """What a rule's condition looks at: the customer's category, the badges they hold and
    the saved segments they are in at pricing time (of those the rules name: the service
    asks PostgreSQL, domain.pricing.segments)."""

    customer_id: int
    category_id: int
    badge_ids: frozenset[int]
    segments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AppliedRule:
    """The rule that priced a line, and why it applied to this customer."""

    rule_id: int
    name: str
    effect: PriceEffect
    condition: PriceCondition
    badge_ids: tuple[int, ...]  # the customer's badges that met the condition
    category_id: int | None  # the customer's category, when it met the condition
    segment: str | None = None  # the saved segment the customer is in, when it met it


class SourceKind(StrEnum):
    """What gave part of a line's discount (purchase_line_discounts.source_kind)."""

    PRICE_RULE = "PRICE_RULE"
    CARD = "CARD"
    CURRENT_DISCOUNT = "CURRENT_DISCOUNT"


@dataclass(frozen=True)
class Contribution:
    """Money one source took off one line (whole line, minor units)."""

    kind: SourceKind
    source_id: int
    name: str
    amount_minor: int


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    member_unit_price_minor: int
    applied: AppliedRule | None  # None: the shelf price
    # The cards' and the current discount's shares, off the member total
    # (domain.cards.combining); empty when the customer has none.
    card_contributions: tuple[Contribution, ...] = ()

    @property
    def total_minor(self) -> int:
        return self.member_unit_price_minor * self.line.quantity

    @property
    def discount_minor(self) -> int:
        return self.line.amount_minor - self.total_minor

    @property
    def card_discount_minor(self) -> int:
        return sum(c.amount_minor for c in self.card_contributions)

    @property
    def net_total_minor(self) -> int:
        """What the customer pays for the line: member total less the cards' shares."""
        return self.total_minor - self.card_discount_minor

    @property
    def contributions(self) -> list[Contribution]:
        """Every source's part of the line's discount off the shelf total, rule first."""
        found = []
        if self.applied is not None and self.discount_minor > 0:
            found.append(
                Contribution(
                    SourceKind.PRICE_RULE,
                    self.applied.rule_id,
                    self.applied.name,
                    self.discount_minor,
                )
            )
        return found + list(self.card_contributions)


@dataclass(frozen=True)
class PricedCart:
    customer_id: int
    lines: list[PricedLine]
    priced_at: datetime

    @property
    def total_minor(self) -> int:
        """At shelf prices."""
        return sum(p.line.amount_minor for p in self.lines)

    @property
    def discount_minor(self) -> int:
        return sum(p.discount_minor for p in self.lines)

    @property
    def member_total_minor(self) -> int:
        """At member prices (the price rules)."""
        return sum(p.total_minor for p in self.lines)

    @property
    def card_discount_minor(self) -> int:
        return sum(p.card_discount_minor for p in self.lines)

    @property
    def net_total_minor(self) -> int:
        """What the customer pays: member prices less card and current discounts."""
        return sum(p.net_total_minor for p in self.lines)


def price_cart(
    lines: Sequence[CartLine], rules: Sequence[PriceRule], member: Member, at: datetime
) -> PricedCart:
    """Each line at the lowest price the rules give this customer at time `at`."""
    usable = [
        (rule, why)
        for rule in sorted(rules, key=lambda r: r.id)
        if valid_at(rule.spec, at) and (why := reason(rule, member)) is not None
    ]
    priced = []
    for line in lines:
        best, applied = line.unit_price_minor, None
        for rule, why in usable:
            if covers(rule.spec, line):
                price = unit_price(rule.spec, line.unit_price_minor)
                if price < best:
                    best, applied = price, why
        priced.append(PricedLine(line, best, applied))
    return PricedCart(member.customer_id, priced, at)


def unit_price(spec: PriceRuleSpec, unit_minor: int) -> int:
    """The unit price the rule gives for a unit of shelf price `unit_minor`."""
    if spec.effect is PriceEffect.PERCENT:
        assert spec.percent_bp is not None
        return unit_minor - unit_minor * min(spec.percent_bp, MAX_BP) // MAX_BP
    if spec.effect is PriceEffect.AMOUNT_OFF:
        assert spec.amount_off_minor is not None
        return max(0, unit_minor - spec.amount_off_minor)
    assert spec.member_price_minor is not None
    return max(0, spec.member_price_minor)


def covers(spec: PriceRuleSpec, line: CartLine) -> bool:
    """Whether the rule's scope takes in this line (and it is not a line the shop already
    discounted, unless the rule says so)."""
    if line.discounted and not spec.include_discounted:
        return False
    if spec.scope is PriceScope.SKUS:
        return line.sku in spec.skus
    if spec.scope is PriceScope.PRODUCT_LINES:
        return line.product_line is not None and line.product_line in spec.product_lines
    return True


def valid_at(spec: PriceRuleSpec, at: datetime) -> bool:
    """Active, and `at` within [valid_from, valid_until)."""
    return (
        spec.active
        and (spec.valid_from is None or spec.valid_from <= at)
        and (spec.valid_until is None or at < spec.valid_until)
    )


def reason(rule: PriceRule, member: Member) -> AppliedRule | None:
    """Why the rule's condition holds for this customer (None: it does not)."""
    spec = rule.spec
    matched: tuple[int, ...] = ()
    category_id = segment = None
    if spec.condition is PriceCondition.ANY_BADGE:
        matched = tuple(int(b) for b in spec.badge_ids if int(b) in member.badge_ids)
        if not matched:
            return None
    elif spec.condition is PriceCondition.ALL_BADGES:
        matched = tuple(int(b) for b in spec.badge_ids)
        if not set(matched) <= member.badge_ids:
            return None
    elif spec.condition is PriceCondition.CATEGORY:
        if member.category_id not in {int(c) for c in spec.category_ids}:
            return None
        category_id = member.category_id
    elif spec.condition is PriceCondition.SEGMENT:
        if spec.segment is None or spec.segment not in member.segments:
            return None
        segment = spec.segment
    return AppliedRule(
        rule.id, spec.name, spec.effect, spec.condition, matched, category_id, segment
    )
