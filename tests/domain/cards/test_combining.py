"""Card discounts' arithmetic: DISCOUNT cards combined per the policy on each line's member
total, the current discount spread over the lines; whatever the cart, the contributions add
up to the discount, no line goes below zero or above its shelf total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.cards.combining import (
    CombineMode,
    CurrentDiscount,
    DiscountCard,
    DiscountPolicy,
    DiscountScope,
    card_shares,
    current_off,
    pick_current,
    spread,
)
from domain.checkout.quote import CartLine
from domain.pricing.card_discounts import apply_cards
from domain.pricing.models import PriceCondition, PriceEffect
from domain.pricing.prices import AppliedRule, PricedCart, PricedLine, SourceKind

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
LINES = ("TEA", "COFFEE", None)


def card(card_id: int, bp: int, **terms: object) -> DiscountCard:
    return DiscountCard(card_id, f"card {card_id}", bp, **terms)  # type: ignore[arg-type]


def test_best_single_takes_the_largest_card_and_additive_adds_up_to_the_cap() -> None:
    line = CartLine("TEA", 3, 999)
    cards = [card(2, 1500), card(1, 1000), card(3, 1500)]
    # Best single: 15% of 29.97, the older of the two 15% cards
    best = card_shares(2997, line, cards, DiscountPolicy())
    assert [(c.card_id, amount) for c, amount in best] == [(2, 449)]
    # Additive up to 30%: 10% then 15% then what is left of the cap (5%), cumulative floors
    added = card_shares(2997, line, cards, DiscountPolicy(CombineMode.ADDITIVE, 3000))
    assert [(c.card_id, amount) for c, amount in added] == [(1, 299), (2, 450), (3, 150)]
    assert sum(a for _, a in added) == 2997 * 3000 // 10_000


def test_a_card_covers_its_scope_and_discounted_lines_only_when_it_says_so() -> None:
    tea = card(1, 1000, scope=DiscountScope.PRODUCT_LINES, product_lines=("TEA",))
    assert tea.covers(CartLine("X", 1, 100, product_line="TEA"))
    assert not tea.covers(CartLine("X", 1, 100, product_line="COFFEE"))
    assert not tea.covers(CartLine("X", 1, 100, discounted=True, product_line="TEA"))
    sku = card(2, 1000, scope=DiscountScope.SKUS, skus=("MUG",), include_discounted=True)
    assert sku.covers(CartLine("MUG", 1, 100, discounted=True))
    assert not sku.covers(CartLine("CUP", 1, 100))


def test_money_off_is_spread_pro_rata_with_the_left_over_units_to_the_largest_remainders() -> None:
    # 10.00 over 33.33, 33.33 and 33.34: 3.333.. each, the leftover unit to the third line
    assert spread(1000, [3333, 3333, 3334]) == [333, 333, 334]
    # Ties go to the earlier line
    assert spread(1, [100, 100]) == [1, 0]
    assert spread(500, [0, 200]) == [0, 200]


def test_current_discount_money_off_never_exceeds_what_is_left() -> None:
    off = CurrentDiscount(1, 1500, None, NOW)
    assert current_off(off, 1000) == 1000
    percent = CurrentDiscount(2, None, 1000, NOW)
    assert current_off(percent, 4499) == 449


def test_the_current_discount_expiring_first_is_used_first() -> None:
    later = CurrentDiscount(1, 500, None, NOW + timedelta(days=9))
    sooner = CurrentDiscount(2, 100, None, NOW + timedelta(days=2))
    expired = CurrentDiscount(3, 900, None, NOW - timedelta(seconds=1))
    assert pick_current([later, sooner, expired], NOW) == sooner
    assert pick_current([expired], NOW) is None


RULE = AppliedRule(9, "Silver", PriceEffect.PERCENT, PriceCondition.ANY_BADGE, (2,), None)

cart_lines = st.lists(
    st.builds(
        CartLine,
        sku=st.sampled_from(("A", "B", "C")),
        quantity=st.integers(1, 50),
        unit_price_minor=st.integers(0, 100_000),
        discounted=st.booleans(),
        product_line=st.sampled_from(LINES),
    ),
    min_size=1,
    max_size=8,
)
cards_st = st.lists(
    st.builds(
        DiscountCard,
        card_id=st.integers(1, 20),
        name=st.just("card"),
        percent_bp=st.integers(0, 10_000),
        scope=st.sampled_from(list(DiscountScope)),
        skus=st.just(("A",)),
        product_lines=st.just(("TEA",)),
        include_discounted=st.booleans(),
    ),
    max_size=4,
    unique_by=lambda c: c.card_id,
)
currents = st.one_of(
    st.none(),
    st.builds(CurrentDiscount, st.just(5), st.integers(1, 10**7), st.none(), st.just(NOW)),
    st.builds(CurrentDiscount, st.just(6), st.none(), st.integers(1, 10_000), st.just(NOW)),
)
policies = st.builds(DiscountPolicy, st.sampled_from(list(CombineMode)), st.integers(0, 10_000))


@settings(max_examples=400, deadline=None)
@given(cart_lines, st.data(), cards_st, currents, policies)
def test_contributions_add_up_and_no_line_leaves_zero_to_shelf(
    lines: list[CartLine],
    data: st.DataObject,
    cards: list[DiscountCard],
    current: CurrentDiscount | None,
    policy: DiscountPolicy,
) -> None:
    # Given each line at some member price at or below its shelf price
    priced_lines = []
    for line in lines:
        member = data.draw(st.integers(0, line.unit_price_minor))
        applied = RULE if member < line.unit_price_minor else None
        priced_lines.append(PricedLine(line, member, applied))
    priced = apply_cards(PricedCart(7, priced_lines, NOW), cards, current, policy)
    current_total = 0
    for p in priced.lines:
        # Then every line's net total is between zero and its shelf total
        assert 0 <= p.net_total_minor <= p.total_minor <= p.line.amount_minor
        # And its contributions add up to exactly what came off its shelf total
        assert sum(c.amount_minor for c in p.contributions) == (
            p.line.amount_minor - p.net_total_minor
        )
        assert all(c.amount_minor > 0 for c in p.contributions)
        by_cards = [c for c in p.contributions if c.kind is SourceKind.CARD]
        offered = [c for c in cards if c.covers(p.line) and c.percent_bp > 0]
        if policy.mode is CombineMode.BEST_SINGLE:
            assert len(by_cards) <= 1
            best = max((c.percent_bp for c in offered), default=0)
            assert sum(c.amount_minor for c in by_cards) == p.total_minor * best // 10_000
        else:
            combined = min(policy.cap_bp, sum(c.percent_bp for c in offered))
            assert sum(c.amount_minor for c in by_cards) == p.total_minor * combined // 10_000
        current_total += sum(
            c.amount_minor for c in p.contributions if c.kind is SourceKind.CURRENT_DISCOUNT
        )
    # And the current discount's shares add up to the money off it gives on what was left
    left = sum(
        p.total_minor - sum(c.amount_minor for c in p.contributions if c.kind is SourceKind.CARD)
        for p in priced.lines
    )
    assert current_total == (current_off(current, left) if current else 0)
    assert priced.net_total_minor == priced.member_total_minor - priced.card_discount_minor


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=10))
def test_spreading_is_exact_and_never_above_a_lines_remainder(
    off: int, remainders: list[int]
) -> None:
    shares = spread(off, remainders)
    assert sum(shares) == min(off, sum(remainders))
    assert all(0 <= s <= r for s, r in zip(shares, remainders, strict=True))
