"""What customers lets other areas embed in their own statements, read through relations
and fragments rather than by naming its tables.

A relation is a SELECT to use as `FROM ({RELATION}) alias` (PostgreSQL pulls such a plain
subquery up into the statement, so it costs nothing); Core users get subqueries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, Subquery, select

from domain.customers.tables import customers, point_categories

# Every customer with its category's earning multiplier: id, card_code, category_id,
# earn_multiplier.
CUSTOMER_MULTIPLIERS = """
    SELECT c.id, c.card_code, c.category_id, pc.earn_multiplier
      FROM customers c JOIN point_categories pc ON pc.id = c.category_id"""

# Every customer: id, category_id, created_at.
CUSTOMERS = "SELECT id, category_id, created_at FROM customers"

# Every category: id, name, earn_multiplier, is_default.
CATEGORIES = "SELECT id, name, earn_multiplier, is_default FROM point_categories"


def members() -> Subquery:
    """Every customer's id, category_id and external_ref, as a Core subquery."""
    c = customers.c
    return select(c.id, c.category_id, c.external_ref).subquery("members")


def known_categories(ids: Sequence[int]) -> Select[tuple[int]]:
    """A query of which of these category ids exist."""
    return select(point_categories.c.id).where(point_categories.c.id.in_(list(ids)))
