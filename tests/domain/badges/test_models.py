"""A badge's settings: its range, its icon URL, and when two ranges overlap."""

from __future__ import annotations

from typing import Any

import pytest

from domain.badges.models import BadgeBasis, BadgeSpec, check_spec
from domain.errors import Problems

BRONZE = BadgeSpec("Bronze", 100, 499)
SILVER = BadgeSpec("Silver", 500, 1999)
GOLD = BadgeSpec("Gold", 2000)


def problems_of(**settings: Any) -> list[tuple[str | None, str]]:
    problems = Problems()
    check_spec(problems, BadgeSpec(**{"title": "B", "min_points": 0, **settings}))
    return [(p.field, p.code.value) for p in problems.items]


def test_bronze_silver_gold_do_not_overlap_but_a_shifted_silver_does() -> None:
    assert not BRONZE.overlaps(SILVER) and not SILVER.overlaps(GOLD)
    assert not BRONZE.overlaps(GOLD)
    # Both ends are inclusive: 499 would be Bronze and Silver at once
    assert BadgeSpec("Silver", 499, 1999).overlaps(BRONZE)
    assert BadgeSpec("Platinum", 5000).overlaps(GOLD)  # no top: Gold goes on for ever
    # Ranges of different bases never collide
    assert not BadgeSpec("Loyal", 100, 499, BadgeBasis.LIFETIME).overlaps(BRONZE)


def test_a_range_covers_both_its_ends() -> None:
    assert [BRONZE.covers(p) for p in (99, 100, 499, 500)] == [False, True, True, False]
    assert GOLD.covers(1_000_000_000)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"min_points": -1}, ("minPoints", "OUT_OF_RANGE")),
        ({"min_points": 500, "max_points": 500}, ("maxPoints", "OUT_OF_RANGE")),
        ({"min_points": 500, "max_points": 100}, ("maxPoints", "OUT_OF_RANGE")),
        ({"title": "  "}, ("title", "REQUIRED")),
        ({"icon_url": "ftp://example.com/a.png"}, ("iconUrl", "INVALID")),
        ({"icon_url": "javascript:alert(1)"}, ("iconUrl", "INVALID")),
        ({"icon_url": "https:///no-host.png"}, ("iconUrl", "INVALID")),
        ({"icon_url": "https://exa mple.com/a.png"}, ("iconUrl", "INVALID")),
        ({"icon_url": "https://example.com:99999/a.png"}, ("iconUrl", "INVALID")),
        ({"icon_url": "https://example.com/" + "a" * 2000}, ("iconUrl", "OUT_OF_RANGE")),
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
        BadgeSpec("Gold ", 2000, icon_url=" https://cdn.example.com/g.png ", description="  "),
    )
    assert problems.items == []
    assert (clean.title, clean.icon_url, clean.description) == (
        "Gold",
        "https://cdn.example.com/g.png",
        None,
    )
