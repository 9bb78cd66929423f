"""The quote arithmetic: exact integers, never more value than the rate allows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.checkout.quote import CartLine, QuoteReason, RedemptionRules, quote

HUNDRED_IS_ONE_EURO = RedemptionRules(points_per_unit=100, value_per_unit_minor=100)


def test_given_enough_points_then_the_whole_eligible_amount_is_payable() -> None:
    q = quote(HUNDRED_IS_ONE_EURO, 10_000, [CartLine("A", 2, 1250), CartLine("B", 1, 799)])
    assert (q.cart_total_minor, q.eligible_minor) == (3299, 3299)
    assert (q.max_points, q.max_value_minor, q.reasons) == (3299, 3299, ())


def test_given_few_points_then_their_value_rounds_down_and_no_point_is_wasted() -> None:
    # 3 points = 1 minor unit: 10 points pay 3 (not 3.33), and 9 points are enough for that
    rules = RedemptionRules(points_per_unit=3, value_per_unit_minor=1)
    q = quote(rules, 10, [CartLine("A", 1, 1000)])
    assert (q.max_value_minor, q.max_points) == (3, 9)


def test_caps_fixed_and_percentage_both_apply() -> None:
    rules = RedemptionRules(100, 100, max_discount_minor=2000, max_discount_bp=2500)
    q = quote(rules, 1_000_000, [CartLine("A", 1, 6000)])
    assert q.max_value_minor == 1500  # 25% of 60.00 is below the 20.00 cap
    q = quote(rules, 1_000_000, [CartLine("A", 1, 10000)])
    assert q.max_value_minor == 2000  # the fixed cap is below 25% of 100.00


def test_exclusions_by_sku_line_discount_and_allowlist() -> None:
    rules = RedemptionRules(
        100,
        100,
        exclude_discounted=True,
        product_rules={("SKU", "GIFT"): False, ("LINE", "food"): True, ("SKU", "WINE"): True},
    )
    lines = [
        CartLine("BREAD", 1, 300, product_line="food"),  # allowed by its line
        CartLine("WINE", 1, 1500),  # allowed by its SKU
        CartLine("SOAP", 1, 400),  # not listed while an allowlist exists
        CartLine("GIFT", 1, 2000, product_line="food"),  # an exclusion wins
        CartLine("CAKE", 1, 500, discounted=True, product_line="food"),  # discounted
    ]
    assert quote(rules, 100_000, lines).eligible_minor == 1800


def test_reasons_when_nothing_can_be_paid() -> None:
    rules = RedemptionRules(
        100,
        100,
        min_balance_points=500,
        min_cart_minor=1000,
        product_rules={("SKU", "GIFT"): False},
    )
    q = quote(rules, 200, [CartLine("GIFT", 1, 900)])
    assert q.reasons == (
        QuoteReason.BELOW_MIN_BALANCE,
        QuoteReason.BELOW_MIN_CART,
        QuoteReason.NOTHING_ELIGIBLE,
    )
    assert (q.max_points, q.max_value_minor) == (0, 0)
    assert quote(rules, 0, [CartLine("A", 1, 5000)]).reasons == (QuoteReason.NO_POINTS,)
    few = quote(RedemptionRules(3, 1), 2, [CartLine("A", 1, 5000)])  # 3 points = 0.01
    assert (few.reasons, few.max_points) == ((QuoteReason.TOO_FEW_POINTS,), 0)


@given(
    points_per_unit=st.integers(1, 1000),
    value_per_unit=st.integers(1, 1000),
    spendable=st.integers(0, 10**9),
    prices=st.lists(st.integers(0, 10**7), min_size=1, max_size=5),
    cap=st.none() | st.integers(1, 10**7),
    bp=st.none() | st.integers(1, 10_000),
)
def test_a_quote_never_gives_more_than_the_rate_the_points_or_the_caps(
    points_per_unit: int,
    value_per_unit: int,
    spendable: int,
    prices: list[int],
    cap: int | None,
    bp: int | None,
) -> None:
    rules = RedemptionRules(
        points_per_unit, value_per_unit, max_discount_minor=cap, max_discount_bp=bp
    )
    lines = [CartLine(f"S{i}", 1, p) for i, p in enumerate(prices)]
    q = quote(rules, spendable, lines)
    assert q.max_points <= spendable
    assert q.max_value_minor <= rules.value_of(q.max_points)  # the points pay for it
    assert q.max_value_minor <= q.eligible_minor
    assert cap is None or q.max_value_minor <= cap
    assert bp is None or q.max_value_minor <= q.cart_total_minor * bp // 10_000
    if q.max_points:  # and one point fewer would not
        assert rules.value_of(q.max_points - 1) < q.max_value_minor
