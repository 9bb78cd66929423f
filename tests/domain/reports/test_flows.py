"""The one classification of entries for the reports, without a database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.ledger.kinds import EntryKind
from domain.reports.flows import FlowClass, FlowTotals, classify, fold


@pytest.mark.parametrize(
    ("kind", "credit", "expected"),
    [
        ("PURCHASE", True, FlowClass.EARNED),
        ("MANUAL", True, FlowClass.EARNED),
        ("MANUAL", False, FlowClass.OTHER),
        # Kinds other parts of the issue add: classified by their text before they exist here.
        ("ACTION", True, FlowClass.EARNED),
        ("GIFT", True, FlowClass.EARNED),
        ("EXPIRY", False, FlowClass.EXPIRED),
        ("REFUND", False, FlowClass.TAKEN_BACK),
        ("REDEMPTION", False, FlowClass.SPENT),
        ("REDEMPTION_REFUND", True, FlowClass.SPENT),
        ("SOMETHING_NEW", True, FlowClass.OTHER),
        (None, True, FlowClass.OTHER),
    ],
)
def test_each_kind_and_direction_has_one_class(
    kind: str | None, credit: bool, expected: FlowClass
) -> None:
    assert classify(kind, credit) is expected


def test_every_kind_of_the_ledger_is_classified_on_purpose() -> None:
    # Given every kind the ledger knows, then none falls into OTHER by accident: only a
    # manual debit (a correction) and a reversal (classified as what it reverses) may.
    for kind in EntryKind:
        if kind is EntryKind.REVERSAL:
            continue
        classes = {classify(kind.value, True), classify(kind.value, False)}
        assert classes - {FlowClass.OTHER} or kind is EntryKind.MANUAL, kind


def test_groups_fold_into_positive_amounts_whose_net_is_the_sum_of_the_points() -> None:
    # Given: 1,000 earned by purchases, 100 of them refunded, 300 redeemed of which 50 came
    # back by a refund of the paid order, a manual credit of 40 reversed (the reversal's
    # group carries the original's kind and direction, and its own points), 25 expired,
    # and a manual debit of 10
    groups: list[dict[str, Any]] = [
        {"kind": "PURCHASE", "credit": True, "points": 1000, "entries": 4, "moved": 1000},
        {"kind": "REFUND", "credit": False, "points": -100, "entries": 1, "moved": 100},
        {"kind": "REDEMPTION", "credit": False, "points": -300, "entries": 2, "moved": 300},
        {"kind": "REDEMPTION_REFUND", "credit": True, "points": 50, "entries": 1, "moved": 50},
        {"kind": "MANUAL", "credit": True, "points": 40, "entries": 1, "moved": 40},
        {"kind": "MANUAL", "credit": True, "points": -40, "entries": 1, "moved": 40},
        {"kind": "EXPIRY", "credit": False, "points": -25, "entries": 1, "moved": 25},
        {"kind": "MANUAL", "credit": False, "points": -10, "entries": 1, "moved": 10},
    ]
    totals = fold(groups)
    assert totals == FlowTotals(
        earned=1000,
        taken_back=100,
        spent=250,
        expired=25,
        other=-10,
        operations=12,
        points_moved=1565,
    )
    assert totals.net == sum(g["points"] for g in groups) == 615
    # 1565 / 12 = 130.41666...
    assert totals.average_points == Decimal("130.42")


def test_no_operation_has_no_average() -> None:
    assert FlowTotals().average_points is None
    assert FlowTotals(operations=8, points_moved=1).average_points == Decimal("0.13")
