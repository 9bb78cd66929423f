"""What other areas embed of the price rules: Core fragments over `price_rules`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select

from domain.pricing.tables import price_rules


def known_price_rules(ids: Sequence[int]) -> Select[tuple[int]]:
    """A query of which of these price rule ids exist (active or not: a sale priced just
    before a rule was retired still reports what it gave)."""
    return select(price_rules.c.id).where(price_rules.c.id.in_(list(ids)))
