"""The earning arithmetic: floor(eligible x P / A x multiplier) plus product overrides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.limits import BALANCE_CEILING
from domain.purchases.earning import (
    EarningRule,
    EarningSnapshot,
    Line,
    OverrideMode,
    PurchaseStatus,
    points_for,
)


def snapshot(
    points_per_unit: int = 10,
    spend_unit_minor: int = 500,
    *,
    multiplier: str = "1",
    min_order_minor: int = 0,
    exclude_discounted: bool = False,
    overrides: dict[str, tuple[OverrideMode, int]] | None = None,
) -> EarningSnapshot:
    return EarningSnapshot(
        points_per_unit=points_per_unit,
        spend_unit_minor=spend_unit_minor,
        min_order_minor=min_order_minor,
        exclude_discounted=exclude_discounted,
        multiplier=Decimal(multiplier),
        overrides=overrides or {},
    )


def test_given_10_points_per_5_00_when_spending_12_50_then_floor_gives_25() -> None:
    assert points_for([Line("A", 1, 1250)], snapshot()) == 25


def test_given_a_remainder_below_one_point_when_computing_then_it_is_floored() -> None:
    # 4.99 at 10 per 5.00 is 9.98 points.
    assert points_for([Line("A", 1, 499)], snapshot()) == 9
    assert points_for([Line("A", 1, 49)], snapshot()) == 0


def test_given_quantities_when_computing_then_line_amounts_count_whole() -> None:
    # 3 x 1.99 = 5.97 -> 11.94 points, floored once over the whole order, not per unit.
    assert points_for([Line("A", 3, 199)], snapshot()) == 11


def test_given_many_lines_when_computing_then_the_sum_is_floored_once() -> None:
    lines = [Line("A", 1, 249), Line("B", 1, 251)]  # 4.98 + 5.02 points each -> 10
    assert points_for(lines, snapshot()) == 10


@pytest.mark.parametrize(
    ("multiplier", "expected"),
    [
        ("1.5", 15),  # 1000 minor at 1 per 100 = 10 points x 1.5
        ("2", 20),
        ("0.3333", 3),  # 3.333 -> 3
        ("1.0001", 10),  # 10.001 -> 10
        ("100", 1000),
    ],
)
def test_given_a_category_multiplier_when_computing_then_it_scales_exactly(
    multiplier: str, expected: int
) -> None:
    assert points_for([Line("A", 1, 1000)], snapshot(1, 100, multiplier=multiplier)) == expected


def test_given_multiplier_0_3333_when_amount_would_round_up_in_float_then_it_is_exact() -> None:
    # 30000 minor at 1 per 100 = 300 points; x 0.3333 = 99.99 exactly, so 99 (never 100).
    assert points_for([Line("A", 1, 30_000)], snapshot(1, 100, multiplier="0.3333")) == 99
    # x 1.5 on 3 points = 4.5 -> 4; a float-free computation never drifts to 5.
    assert points_for([Line("A", 1, 300)], snapshot(1, 100, multiplier="1.5")) == 4


def test_given_a_huge_order_when_computing_then_no_precision_is_lost() -> None:
    # Just under 10^15 minor units (the money ceiling) at 7 points per 3 x 10^7, x 1.2345.
    amount = 10**15 - 1
    expected = amount * 7 * 12345 // (3 * 10**7 * 10_000)
    assert 0 < expected <= BALANCE_CEILING
    assert points_for([Line("A", 1, amount)], snapshot(7, 3 * 10**7, multiplier="1.2345")) == (
        expected
    )


@pytest.mark.parametrize(
    ("points_per_unit", "spend_unit_minor", "multiplier"),
    [
        (1, 1, "1"),  # 10^15 points
        (10**9, 1, "100"),  # 10^26 points: far past 64 bits
    ],
)
def test_given_points_beyond_the_ceiling_then_they_count_as_one_more_than_it(
    points_per_unit: int, spend_unit_minor: int, multiplier: str
) -> None:
    # Given the money ceiling's order at a rule that gives it more points than any balance
    rule = snapshot(points_per_unit, spend_unit_minor, multiplier=multiplier)
    # Then it earns one more than the ceiling: a credit of it is refused like the exact
    # number, which may not even fit the database's 64-bit integers
    assert points_for([Line("A", 1, 10**15)], rule) == BALANCE_CEILING + 1
    # And up to the ceiling the points are exact
    assert points_for([Line("A", 1, BALANCE_CEILING)], snapshot(1, 1)) == BALANCE_CEILING


def test_given_a_minimum_order_when_the_total_is_below_it_then_nothing_is_earned() -> None:
    rule = snapshot(min_order_minor=1000)
    assert points_for([Line("A", 1, 999)], rule) == 0
    assert points_for([Line("A", 1, 1000)], rule) == 20


def test_given_a_minimum_order_when_checking_then_the_whole_total_counts() -> None:
    # The total includes discounted and overridden lines even if they earn nothing.
    rule = snapshot(
        min_order_minor=1000,
        exclude_discounted=True,
        overrides={"GIFT": (OverrideMode.EXCLUDED, 0)},
    )
    lines = [Line("A", 1, 500), Line("B", 1, 300, discounted=True), Line("GIFT", 1, 200)]
    assert points_for(lines, rule) == 10


def test_given_exclude_discounted_when_a_line_is_discounted_then_it_earns_nothing() -> None:
    lines = [Line("A", 1, 1000), Line("B", 1, 1000, discounted=True)]
    assert points_for(lines, snapshot(exclude_discounted=True)) == 20
    assert points_for(lines, snapshot(exclude_discounted=False)) == 40


def test_given_a_fixed_per_unit_override_when_computing_then_value_times_quantity() -> None:
    rule = snapshot(overrides={"MUG": (OverrideMode.FIXED_PER_UNIT, 15)})
    assert points_for([Line("MUG", 3, 1)], rule) == 45


def test_given_a_percent_override_when_computing_then_basis_points_of_major_units() -> None:
    rule = snapshot(overrides={"BOOK": (OverrideMode.PERCENT, 1000)})
    # 1000 bp = 10% of a 50.00 line = 5 points.
    assert points_for([Line("BOOK", 1, 5000)], rule) == 5
    # 10% of 2 x 12.34 = 2.468 -> 2.
    assert points_for([Line("BOOK", 2, 1234)], rule) == 2


def test_given_an_excluded_override_when_computing_then_the_line_earns_nothing() -> None:
    rule = snapshot(overrides={"GIFT-CARD": (OverrideMode.EXCLUDED, 0)})
    assert points_for([Line("GIFT-CARD", 1, 5000)], rule) == 0
    assert points_for([Line("GIFT-CARD", 1, 5000), Line("A", 1, 500)], rule) == 10


def test_given_overrides_and_a_multiplier_when_computing_then_overrides_are_not_scaled() -> None:
    rule = snapshot(
        multiplier="2",
        overrides={
            "MUG": (OverrideMode.FIXED_PER_UNIT, 15),
            "BOOK": (OverrideMode.PERCENT, 1000),
        },
    )
    lines = [Line("A", 1, 500), Line("MUG", 1, 900), Line("BOOK", 1, 5000)]
    # A: 10 x 2 = 20; MUG: 15 (not 30); BOOK: 5 (not 10).
    assert points_for(lines, rule) == 40


def test_given_an_override_on_a_discounted_line_when_excluding_discounted_then_it_applies() -> None:
    rule = snapshot(exclude_discounted=True, overrides={"MUG": (OverrideMode.FIXED_PER_UNIT, 15)})
    assert points_for([Line("MUG", 2, 900, discounted=True)], rule) == 30


def test_given_a_zero_total_when_computing_then_nothing_is_earned() -> None:
    rule = snapshot(overrides={"FREE": (OverrideMode.FIXED_PER_UNIT, 15)})
    assert points_for([Line("FREE", 1, 0)], rule) == 0
    assert points_for([], rule) == 0


def test_readme_worked_example() -> None:
    """10 points per 5.00, Premium 2x, discounted lines excluded, minimum order 10.00.

    Order: 2 x SHIRT at 12.50, 1 x SOCKS at 7.99 (discounted), 1 x GIFT-CARD at 20.00
    (override EXCLUDED), 1 x BOOK at 30.00 (override PERCENT 1000 bp = 10%).
    Total 82.99 >= 10.00; eligible 25.00 -> 25.00 / 5.00 x 10 = 50 points, x 2 = 100;
    BOOK earns 10% of 30 = 3 points, not multiplied; SOCKS and GIFT-CARD earn nothing: 103.
    """
    rule = snapshot(
        10,
        500,
        multiplier="2",
        min_order_minor=1000,
        exclude_discounted=True,
        overrides={
            "GIFT-CARD": (OverrideMode.EXCLUDED, 0),
            "BOOK": (OverrideMode.PERCENT, 1000),
        },
    )
    lines = [
        Line("SHIRT", 2, 1250),
        Line("SOCKS", 1, 799, discounted=True),
        Line("GIFT-CARD", 1, 2000),
        Line("BOOK", 1, 3000),
    ]
    assert points_for(lines, rule) == 103


def test_given_a_snapshot_when_round_tripped_through_json_then_it_computes_the_same() -> None:
    rule = EarningRule(10, 500, PurchaseStatus.PAID, 1000, True)
    original = EarningSnapshot.of(
        rule, Decimal("1.3333"), {"MUG": (OverrideMode.FIXED_PER_UNIT, 15)}
    )
    copy = EarningSnapshot.from_json(original.to_json())
    assert copy == original
    lines = [Line("A", 3, 777), Line("MUG", 2, 100)]
    assert points_for(lines, copy) == points_for(lines, original)


def test_statuses_are_ranked_in_order() -> None:
    ranks = [
        s.rank for s in (PurchaseStatus.CREATED, PurchaseStatus.PAID, PurchaseStatus.COMPLETED)
    ]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3
