"""Promotions and overrides by product line in the earning arithmetic (no database)."""

from __future__ import annotations

from decimal import Decimal

from domain.purchases.earning import (
    EarningRule,
    EarningSnapshot,
    Line,
    OverrideMode,
    PromotionTerms,
    PurchaseStatus,
    points_for,
)

ONE_PER_EURO = EarningRule(1, 100, PurchaseStatus.PAID, 0, False)
FIXED = OverrideMode.FIXED_PER_UNIT


def snapshot(
    *promotions: PromotionTerms,
    category: str = "1",
    overrides: dict[str, tuple[OverrideMode, int]] | None = None,
    line_overrides: dict[str, tuple[OverrideMode, int]] | None = None,
    paid_minor: int = 0,
) -> EarningSnapshot:
    return EarningSnapshot.of(
        ONE_PER_EURO,
        Decimal(category),
        overrides or {},
        paid_minor,
        line_overrides or {},
        promotions,
    )


def promo(multiplier: str, *lines: str, pid: int = 1) -> PromotionTerms:
    return PromotionTerms(pid, Decimal(multiplier), lines)


def test_given_a_promotion_on_one_line_when_earning_then_only_its_lines_are_multiplied() -> None:
    # 10.00 of food at x2 and 10.00 of other things: 20 + 10
    lines = [Line("BREAD", 1, 1000, product_line="food"), Line("SOAP", 1, 1000)]
    assert points_for(lines, snapshot(promo("2", "food"))) == 30


def test_given_several_promotions_on_a_line_then_the_highest_applies_not_their_product() -> None:
    lines = [Line("TEA", 1, 1000, product_line="tea")]
    found = snapshot(promo("2", pid=1), promo("3", "tea", pid=2), promo("1.5", "tea", pid=3))
    assert points_for(lines, found) == 30


def test_given_a_category_and_a_promotion_then_they_multiply() -> None:
    # 10.00 x 1.5 (Premium) x 2 (double points day) = 30
    assert points_for([Line("A", 1, 1000)], snapshot(promo("2"), category="1.5")) == 30


def test_given_fractions_from_several_promotions_then_the_order_is_floored_once() -> None:
    # 3.33 x 1.5 = 4.995 and 3.34 x 1 = 3.34: 8.335 points, floored once to 8 (not 4 + 3)
    lines = [Line("A", 1, 333, product_line="x"), Line("B", 1, 334)]
    assert points_for(lines, snapshot(promo("1.5", "x"))) == 8


def test_given_a_line_override_then_it_applies_and_a_sku_override_wins_over_it() -> None:
    lines = [
        Line("ESPRESSO", 2, 400, product_line="coffee"),  # the line's 5 per unit: 10
        Line("DECAF", 1, 450, product_line="coffee"),  # its own 2 per unit: 2
        Line("CAKE", 1, 300, product_line="food"),  # no override: 3
    ]
    found = snapshot(overrides={"DECAF": (FIXED, 2)}, line_overrides={"coffee": (FIXED, 5)})
    assert points_for(lines, found) == 15


def test_given_a_promotion_then_override_points_are_multiplied_but_not_by_the_category() -> None:
    lines = [Line("ESPRESSO", 3, 400, product_line="coffee")]  # 5 per unit: 15
    found = snapshot(promo("1.5"), category="3", line_overrides={"coffee": (FIXED, 5)})
    assert points_for(lines, found) == 22  # floor(15 x 1.5)


def test_given_an_excluded_line_then_a_promotion_does_not_make_it_earn() -> None:
    lines = [Line("GIFT-CARD", 1, 5000, product_line="cards")]
    found = snapshot(promo("10"), line_overrides={"cards": (OverrideMode.EXCLUDED, 0)})
    assert points_for(lines, found) == 0


def test_given_points_paid_part_of_an_order_then_it_comes_off_the_least_promoted_lines() -> None:
    # 10.00 at x3 and 10.00 at x1; 4.00 paid with points comes off the x1 line first:
    # 30 + 6 = 36 (taking it off the x3 line would give 18 + 10 = 28)
    lines = [Line("TEA", 1, 1000, product_line="tea"), Line("SOAP", 1, 1000)]
    assert points_for(lines, snapshot(promo("3", "tea"), paid_minor=400)) == 36
    # More than the x1 lines: the rest comes off the next ones
    assert points_for(lines, snapshot(promo("3", "tea"), paid_minor=1500)) == 15


def test_given_a_snapshot_with_promotions_when_round_tripped_then_it_computes_the_same() -> None:
    original = snapshot(
        promo("2.5", "tea", "coffee"),
        category="1.25",
        line_overrides={"coffee": (OverrideMode.PERCENT, 1000)},
    )
    copy = EarningSnapshot.from_json(original.to_json())
    assert copy == original
    lines = [Line("TEA", 2, 777, product_line="tea"), Line("BEANS", 1, 1999, product_line="coffee")]
    assert points_for(lines, copy) == points_for(lines, original)


def test_given_a_snapshot_from_before_promotions_when_read_then_it_has_none() -> None:
    old = {
        "points_per_unit": 1,
        "spend_unit_minor": 100,
        "min_order_minor": 0,
        "exclude_discounted": False,
        "multiplier": "2",
        "overrides": {},
        "points_paid_minor": 0,
    }
    found = EarningSnapshot.from_json(old)
    assert (found.promotions, found.line_overrides) == ((), {})
    assert points_for([Line("A", 1, 1000, product_line="tea")], found) == 20
