"""Pricing a cart with the price rules: which rule applies to each line, at what unit price,
and why; the rules' settings and their checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.checkout.quote import CartLine
from domain.errors import ErrorCode, Problems
from domain.pricing.models import (
    PriceCondition,
    PriceEffect,
    PriceRule,
    PriceRuleSpec,
    PriceScope,
    check_spec,
)
from domain.pricing.prices import Member, price_cart, unit_price
from domain.pricing.services import changed_spec

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SILVER, GOLD = 2, 3
BASE, PREMIUM = 1, 2


def rule(rule_id: int, name: str, effect: PriceEffect, **settings: Any) -> PriceRule:
    return PriceRule(rule_id, PriceRuleSpec(name=name, effect=effect, **settings), NOW, NOW)


def member(category: int = BASE, *badges: int) -> Member:
    return Member(7, category, frozenset(badges))


# The worked example of docs/engagement.md ("Conditional discounts and member prices").
SILVER_TEN = rule(
    1,
    "Silver and Gold: 10% off",
    PriceEffect.PERCENT,
    percent_bp=1000,
    condition=PriceCondition.ANY_BADGE,
    badge_ids=(SILVER, GOLD),
)
PREMIUM_TEA = rule(
    2,
    "Premium tea price",
    PriceEffect.MEMBER_PRICE,
    member_price_minor=899,
    scope=PriceScope.SKUS,
    skus=("TEA-TIN",),
    condition=PriceCondition.CATEGORY,
    category_ids=(PREMIUM,),
)
MUG_WEEK = rule(
    3,
    "Mug week: 1.00 off",
    PriceEffect.AMOUNT_OFF,
    amount_off_minor=100,
    scope=PriceScope.PRODUCT_LINES,
    product_lines=("KITCHEN",),
    valid_from=NOW - timedelta(days=14),
    valid_until=NOW - timedelta(days=7),
)
CART = [
    CartLine("TEA-TIN", 2, 1250, product_line="TEA"),
    CartLine("BEANS", 1, 1899, product_line="COFFEE"),
    CartLine("MUG", 3, 899, product_line="KITCHEN"),
    CartLine("SOCKS", 1, 799, discounted=True),
]


def test_readme_worked_example_prices_each_line_at_its_lowest_member_price() -> None:
    # Given Bea, Premium and holding Silver, and the three rules (the mug week is over)
    priced = price_cart(CART, [MUG_WEEK, PREMIUM_TEA, SILVER_TEN], member(PREMIUM, SILVER), NOW)
    # Then each line gets the lowest price a rule gives her, and says which rule and why
    got = [
        (p.line.sku, p.member_unit_price_minor, p.total_minor, p.discount_minor)
        for p in priced.lines
    ]
    assert got == [
        ("TEA-TIN", 899, 1798, 702),  # 8.99 beats 10% off (11.25)
        ("BEANS", 1710, 1710, 189),  # 18.99 - floor(189.9)
        ("MUG", 810, 2430, 267),  # 8.99 - floor(89.9); the mug week has ended
        ("SOCKS", 799, 799, 0),  # already discounted by the shop
    ]
    tea, beans, mug, socks = (p.applied for p in priced.lines)
    assert tea is not None and (tea.rule_id, tea.condition, tea.category_id) == (
        2,
        PriceCondition.CATEGORY,
        PREMIUM,
    )
    assert beans is not None and (beans.rule_id, beans.badge_ids) == (1, (SILVER,))
    assert mug is not None and mug.rule_id == 1
    assert socks is None
    assert (priced.total_minor, priced.discount_minor, priced.member_total_minor) == (
        7895,
        1158,
        6737,
    )


def test_a_customer_meeting_no_condition_pays_shelf_prices() -> None:
    priced = price_cart(CART, [PREMIUM_TEA, SILVER_TEN], member(BASE), NOW)
    assert [p.member_unit_price_minor for p in priced.lines] == [1250, 1899, 899, 799]
    assert all(p.applied is None for p in priced.lines)
    assert priced.discount_minor == 0 and priced.member_total_minor == priced.total_minor == 7895


def test_all_badges_needs_every_badge_and_any_badge_one_of_them() -> None:
    both = rule(
        1,
        "Both",
        PriceEffect.AMOUNT_OFF,
        amount_off_minor=50,
        condition=PriceCondition.ALL_BADGES,
        badge_ids=(SILVER, GOLD),
    )
    line = [CartLine("A", 1, 1000)]
    assert price_cart(line, [both], member(BASE, SILVER), NOW).lines[0].applied is None
    applied = price_cart(line, [both], member(BASE, SILVER, GOLD, 9), NOW).lines[0].applied
    assert applied is not None and applied.badge_ids == (SILVER, GOLD)


def test_the_validity_window_includes_its_start_and_excludes_its_end() -> None:
    window = rule(
        1,
        "Week",
        PriceEffect.PERCENT,
        percent_bp=5000,
        valid_from=NOW,
        valid_until=NOW + timedelta(days=7),
    )
    line = [CartLine("A", 1, 1000)]
    at = [NOW - timedelta(microseconds=1), NOW, NOW + timedelta(days=7)]
    assert [price_cart(line, [window], member(), t).member_total_minor for t in at] == [
        1000,
        500,
        1000,
    ]


def test_an_inactive_rule_never_applies() -> None:
    off = rule(1, "Off", PriceEffect.PERCENT, percent_bp=5000, active=False)
    assert price_cart([CartLine("A", 1, 1000)], [off], member(), NOW).discount_minor == 0


def test_prices_never_go_below_zero_nor_above_the_shelf_price() -> None:
    # An amount off larger than the price gives 0; a member price above the shelf price is
    # not applied (the customer pays the shelf price)
    huge = rule(1, "Huge", PriceEffect.AMOUNT_OFF, amount_off_minor=5000)
    dear = rule(2, "Dear", PriceEffect.MEMBER_PRICE, member_price_minor=1500)
    assert unit_price(huge.spec, 999) == 0
    priced = price_cart([CartLine("A", 2, 999)], [huge], member(), NOW)
    assert (priced.member_total_minor, priced.discount_minor) == (0, 1998)
    kept = price_cart([CartLine("A", 1, 1000)], [dear], member(), NOW).lines[0]
    assert (kept.member_unit_price_minor, kept.applied) == (1000, None)


def test_a_percentage_rounds_the_discount_down_per_unit() -> None:
    # 15% of 3.33 is 0.4995: 0.49 off each unit, 2.84 each, 3 units 8.52
    fifteen = rule(1, "15%", PriceEffect.PERCENT, percent_bp=1500)
    line = price_cart([CartLine("A", 3, 333)], [fifteen], member(), NOW).lines[0]
    assert (line.member_unit_price_minor, line.total_minor, line.discount_minor) == (284, 852, 147)
    assert unit_price(rule(2, "All", PriceEffect.PERCENT, percent_bp=10_000).spec, 333) == 0


def test_equal_prices_apply_the_oldest_rule() -> None:
    a = rule(5, "Later", PriceEffect.MEMBER_PRICE, member_price_minor=500)
    b = rule(4, "Earlier", PriceEffect.AMOUNT_OFF, amount_off_minor=500)
    applied = price_cart([CartLine("A", 1, 1000)], [a, b], member(), NOW).lines[0].applied
    assert applied is not None and applied.rule_id == 4


def test_a_product_line_rule_skips_lines_without_a_product_line() -> None:
    lines = (PriceScope.PRODUCT_LINES, ("TEA",))
    tea = rule(
        1, "Tea", PriceEffect.PERCENT, percent_bp=1000, scope=lines[0], product_lines=lines[1]
    )
    cart = [CartLine("A", 1, 1000), CartLine("B", 1, 1000, product_line="TEA")]
    priced = price_cart(cart, [tea], member(), NOW)
    assert [p.member_unit_price_minor for p in priced.lines] == [1000, 900]


def problems_of(**settings: Any) -> list[tuple[str | None, ErrorCode]]:
    problems = Problems()
    check_spec(problems, PriceRuleSpec(**{"name": "R", **settings}))
    return [(p.field, p.code) for p in problems.items]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"effect": PriceEffect.PERCENT, "percent_bp": 10_001}, ("percentBp", "OUT_OF_RANGE")),
        ({"effect": PriceEffect.PERCENT, "percent_bp": 0}, ("percentBp", "OUT_OF_RANGE")),
        ({"effect": PriceEffect.PERCENT}, ("percentBp", "REQUIRED")),
        (
            {"effect": PriceEffect.PERCENT, "percent_bp": 10, "amount_off_minor": 5},
            ("amountOffMinor", "INVALID"),
        ),
        (
            {"effect": PriceEffect.AMOUNT_OFF, "amount_off_minor": 0},
            ("amountOffMinor", "OUT_OF_RANGE"),
        ),
        (
            {"effect": PriceEffect.MEMBER_PRICE, "member_price_minor": -1},
            ("memberPriceMinor", "OUT_OF_RANGE"),
        ),
        (
            {"effect": PriceEffect.MEMBER_PRICE, "member_price_minor": 1, "scope": PriceScope.SKUS},
            ("skus", "REQUIRED"),
        ),
        (
            {"effect": PriceEffect.MEMBER_PRICE, "member_price_minor": 1, "skus": ("A",)},
            ("skus", "INVALID"),
        ),
        (
            {
                "effect": PriceEffect.PERCENT,
                "percent_bp": 10,
                "condition": PriceCondition.ANY_BADGE,
            },
            ("badgeIds", "REQUIRED"),
        ),
        (
            {
                "effect": PriceEffect.PERCENT,
                "percent_bp": 10,
                "condition": PriceCondition.CATEGORY,
                "category_ids": ("x",),
            },
            ("categoryIds.0", "INVALID"),
        ),
        (
            {
                "effect": PriceEffect.PERCENT,
                "percent_bp": 10,
                "valid_from": NOW,
                "valid_until": NOW,
            },
            ("validUntil", "INVALID"),
        ),
        (
            {"effect": PriceEffect.PERCENT, "percent_bp": 10, "valid_from": datetime(2026, 1, 1)},
            ("validFrom", "INVALID"),
        ),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    settings: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert expected in problems_of(**settings)


def test_good_settings_pass_cleaned() -> None:
    problems = Problems()
    clean = check_spec(
        problems,
        PriceRuleSpec(
            name="  Gold  ",
            effect=PriceEffect.PERCENT,
            percent_bp=10_000,
            scope=PriceScope.SKUS,
            skus=(" A ", "A", "B"),
            condition=PriceCondition.ALL_BADGES,
            badge_ids=("3", "3", "4"),
        ),
    )
    assert problems.items == []
    assert (clean.name, clean.skus, clean.badge_ids) == ("Gold", ("A", "B"), (3, 4))


def test_changing_a_rules_effect_drops_the_old_value_unless_given() -> None:
    spec = SILVER_TEN.spec
    changed = changed_spec(spec, {"effect": PriceEffect.AMOUNT_OFF, "amount_off_minor": 100})
    assert (changed.percent_bp, changed.amount_off_minor) == (None, 100)
    assert changed.badge_ids == spec.badge_ids  # the condition did not change
    renamed = changed_spec(spec, {"name": "New", "condition": PriceCondition.ANY_BADGE})
    assert renamed.badge_ids == spec.badge_ids  # the same condition keeps its ids
