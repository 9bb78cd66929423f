"""Given docs/notifications.md's worked example of internal notices, then the notices render
from its facts exactly as the page shows them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from notifications.notices.content import (
    AdjustmentFacts,
    PromotionFacts,
    large_adjustment_content,
    promotion_started_content,
)

PAGE = Path(__file__).resolve().parents[3] / "docs" / "notifications.md"
# <!-- notice: <KIND> <part> --> then a fenced block.
SHOWN = re.compile(r"<!-- notice: (\w+) (\w+) -->\n```\w*\n(.*?)\n```", re.S)


def test_the_worked_example_renders_as_shown() -> None:
    shown: dict[str, dict[str, str]] = {}
    for kind, part, block in SHOWN.findall(PAGE.read_text()):
        shown.setdefault(kind, {})[part] = block
    adjustment = large_adjustment_content(
        AdjustmentFacts(
            customer_id=42,
            customer_name="Ann Rossi",
            points=2_500,
            balance_after=3_734,
            actor="staff:7:maria",
            note="Contest winner",
            made_at=datetime(2026, 12, 5, 9, 30, tzinfo=UTC),
            shop="centro",
            threshold=2_000,
        )
    )
    promotion = promotion_started_content(
        PromotionFacts(
            name="Double points weekend",
            multiplier=Decimal("2.0000"),
            starts_at=datetime(2026, 12, 5, tzinfo=UTC),
            ends_at=datetime(2026, 12, 7, tzinfo=UTC),
            channels=("POS", "WEB"),
            product_lines=(),
            customers=12_345,
        )
    )
    assert shown == {
        "LARGE_ADJUSTMENT": {"subject": adjustment["subject"], "text": adjustment["text"]},
        "PROMOTION_STARTED": {"subject": promotion["subject"], "text": promotion["text"]},
    }
