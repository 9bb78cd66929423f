"""The ledger policy's rules on their own: pure arithmetic, and the SQL they are written as."""

from __future__ import annotations

import pytest

from domain.errors import ErrorCode
from domain.ledger import policy
from domain.ledger.policy import Change, Funds
from domain.limits import BALANCE_CEILING


def test_held_points_are_not_spendable_and_a_debit_takes_only_spendable_points() -> None:
    funds = Funds(balance=1000, held=700)
    assert funds.spendable == 300
    assert policy.refusal(funds, Change.spend(300)) is None
    refused = policy.refusal(funds, Change.spend(301))
    assert refused is not None and refused.code is ErrorCode.INSUFFICIENT_POINTS
    assert refused.message == (
        "300 points are spendable (a balance of 1000, 700 held); 301 cannot be taken."
    )
    assert policy.points_short(funds, 450) == 150


def test_a_hold_reserves_spendable_points_and_its_capture_spends_them() -> None:
    funds = Funds(balance=1000, held=700)
    refused = policy.refusal(funds, Change.hold(301))
    assert refused is not None and refused.message.endswith("301 cannot be held.")
    # Capturing a hold of 700: the balance falls by 700 and so does held
    assert policy.refusal(funds, Change(points=-700, release=700)) is None


def test_the_minimum_is_on_the_spendable_points_before_the_payment() -> None:
    # One after another, 70-point payments from 1000 with a minimum of 200 stop after 12
    funds, paid = Funds(1000), 0
    while policy.refusal(funds, Change.spend(70, min_spendable=200)) is None:
        funds, paid = Funds(funds.balance - 70), paid + 1
    assert (paid, funds.balance) == (12, 160)
    refused = policy.refusal(Funds(850, 700), Change.spend(50, min_spendable=200))
    assert refused is not None and refused.message.endswith("needs at least 200.")
    assert not policy.meets_minimum(150, 200) and policy.meets_minimum(200, 200)


def test_a_credit_stops_at_the_ceiling() -> None:
    assert policy.refusal(Funds(BALANCE_CEILING - 10), Change(points=10)) is None
    refused = policy.refusal(Funds(BALANCE_CEILING - 10), Change(points=11))
    assert refused == policy.ceiling_problem()


@pytest.mark.parametrize("points", [1, BALANCE_CEILING, BALANCE_CEILING + 1, 10**17, 10**26])
@pytest.mark.parametrize("balance", [0, 1, BALANCE_CEILING - 1, BALANCE_CEILING])
def test_a_credit_bound_to_one_past_the_ceiling_is_refused_exactly_as_the_number_itself(
    balance: int, points: int
) -> None:
    # Given any account and a credit of any size (past 64 bits included)
    bound = policy.credit_bound(points)
    # Then the bound is the number up to the ceiling, one past it beyond, and fits a bigint
    assert bound == min(points, BALANCE_CEILING + 1) and bound < 2**63
    # And the policy refuses the bound exactly when it refuses the number
    funds = Funds(balance)
    assert policy.refusal(funds, Change(points=bound)) == policy.refusal(
        funds, Change(points=points)
    )


def test_refunds_and_expiry_take_back_at_most_the_spendable_points() -> None:
    assert policy.take_back(Funds(100, held=60), 70) == 40
    assert policy.take_back(Funds(100, held=100), 70) == 0
    assert policy.take_back(Funds(100), 70) == 70


def test_the_rules_are_written_as_sql_over_the_columns_given() -> None:
    assert policy.spendable_sql("a.balance", "a.held") == "(a.balance - a.held)"
    assert policy.account_guard_sql(reserve="0", release="0") == (
        "(balance + :points) >= (held) AND (balance - held) >= (:min_spendable)"
    )
    assert policy.ceiling_sql("a.balance", ":p") == f"({BALANCE_CEILING}) >= (a.balance + :p)"
