"""Given docs/segments.md, when its JSON examples are checked, then each is a valid filter
(the page cannot drift from what check_filter accepts)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from domain.errors import Problems
from funnels.segments import check_filter

PAGE = Path(__file__).resolve().parents[3] / "docs" / "segments.md"


def examples() -> list[object]:
    found: list[object] = []
    for block in re.findall(r"(?ms)^```json\n(.*?)^```", PAGE.read_text()):
        try:
            found.append(json.loads(block))
        except json.JSONDecodeError:
            found.extend(json.loads(line) for line in block.splitlines() if line.strip())
    return found


def test_every_json_example_of_the_page_is_a_valid_filter() -> None:
    filters = examples()
    assert len(filters) >= 10
    for raw in filters:
        problems = Problems()
        assert check_filter(problems, raw, "filter") is not None, (raw, problems.items)
