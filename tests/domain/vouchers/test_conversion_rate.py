"""The price of a voucher in points: the fewest points worth at least its value."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.vouchers.conversion import ConversionRate


def test_round_rates_cost_exactly_the_value() -> None:
    assert ConversionRate(points_per_unit=100, value_per_unit_minor=100).points_for(750) == 750
    assert ConversionRate(points_per_unit=3, value_per_unit_minor=1).points_for(10) == 30


def test_an_odd_rate_rounds_the_points_up() -> None:
    # 100 points are worth 0.30: 333 points are worth 0.999, so 1.00 costs 334
    assert ConversionRate(points_per_unit=100, value_per_unit_minor=30).points_for(100) == 334


@given(st.integers(1, 10**6), st.integers(1, 10**6), st.integers(1, 10**9))
def test_the_price_is_the_fewest_points_worth_the_value(
    points_per_unit: int, value_per_unit: int, value: int
) -> None:
    rate = ConversionRate(points_per_unit=points_per_unit, value_per_unit_minor=value_per_unit)
    points = rate.points_for(value)

    def worth(p: int) -> int:
        return p * value_per_unit // points_per_unit

    assert worth(points) >= value > worth(points - 1)
