"""Price rules conditioned on a saved segment (SEGMENT), as pure rules: a rule applies to a
customer in the segment, says which segment, and never to anyone else; its settings name
one segment and nothing else."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from domain.checkout.quote import CartLine
from domain.errors import ErrorCode, Problems
from domain.pricing.models import PriceCondition, PriceEffect, PriceRuleSpec, check_spec
from domain.pricing.prices import AppliedRule, Member, price_cart
from domain.pricing.services import changed_spec
from tests.domain.pricing.test_prices import BASE, NOW, SILVER, SILVER_TEN, rule

BIG_SPENDERS = rule(
    4,
    "Big spenders: 15% off",
    PriceEffect.PERCENT,
    percent_bp=1500,
    condition=PriceCondition.SEGMENT,
    segment="big-spenders",
)
CART = [CartLine("BEANS", 1, 2000)]


def test_a_segment_rule_prices_for_a_customer_in_the_segment_and_says_which() -> None:
    # Given a customer in "big-spenders" (as the service found at pricing time)
    inside = Member(7, BASE, frozenset(), frozenset({"big-spenders"}))
    # When the cart is priced, then 15% comes off, because of the segment
    (line,) = price_cart(CART, [BIG_SPENDERS], inside, NOW).lines
    assert line.member_unit_price_minor == 1700
    assert line.applied == AppliedRule(
        rule_id=4,
        name="Big spenders: 15% off",
        effect=PriceEffect.PERCENT,
        condition=PriceCondition.SEGMENT,
        badge_ids=(),
        category_id=None,
        segment="big-spenders",
    )


@pytest.mark.parametrize(
    "segments",
    [frozenset(), frozenset({"lapsed-vip"})],
    ids=["in no segment (or not looked up)", "in another segment"],
)
def test_a_segment_rule_does_not_price_for_anyone_else(segments: frozenset[str]) -> None:
    outside = Member(7, BASE, frozenset({SILVER}), segments)
    # The Silver rule still applies; the segment's does not
    (line,) = price_cart(CART, [BIG_SPENDERS, SILVER_TEN], outside, NOW).lines
    assert (line.member_unit_price_minor, line.applied and line.applied.rule_id) == (1800, 1)
    assert line.applied is not None and line.applied.segment is None


def problems_of(**settings: Any) -> list[tuple[str | None, ErrorCode]]:
    problems = Problems()
    spec = PriceRuleSpec(name="R", effect=PriceEffect.PERCENT, percent_bp=10, **settings)
    check_spec(problems, spec)
    return [(p.field, p.code) for p in problems.items]


def test_a_segment_rule_names_one_segment_and_nothing_else() -> None:
    assert problems_of(condition=PriceCondition.SEGMENT) == [("segment", ErrorCode.REQUIRED)]
    assert problems_of(condition=PriceCondition.SEGMENT, segment="  ") == [
        ("segment", ErrorCode.REQUIRED)
    ]
    assert problems_of(condition=PriceCondition.SEGMENT, segment="x" * 101) == [
        ("segment", ErrorCode.OUT_OF_RANGE)
    ]
    assert problems_of(condition=PriceCondition.SEGMENT, segment="a", badge_ids=("1",)) == [
        ("badgeIds", ErrorCode.INVALID)
    ]
    assert problems_of(condition=PriceCondition.CATEGORY, category_ids=("1",), segment="a") == [
        ("segment", ErrorCode.INVALID)
    ]
    problems = Problems()
    clean = check_spec(problems, replace(BIG_SPENDERS.spec, segment=" big-spenders "))
    assert problems.items == [] and clean.segment == "big-spenders"


def test_changing_a_rules_condition_drops_its_segment_unless_given() -> None:
    spec = BIG_SPENDERS.spec
    everyone = changed_spec(spec, {"condition": PriceCondition.NONE})
    assert everyone.segment is None
    other = changed_spec(spec, {"segment": "lapsed-vip"})
    assert (other.condition, other.segment) == (PriceCondition.SEGMENT, "lapsed-vip")
    to_segment = changed_spec(
        SILVER_TEN.spec, {"condition": PriceCondition.SEGMENT, "segment": "a"}
    )
    assert (to_segment.badge_ids, to_segment.segment) == ((), "a")
