"""What customers lets other areas embed in their own statements, read through relations
and fragments rather than by naming its tables.

A relation is a SELECT to use as `FROM ({RELATION}) alias` (PostgreSQL pulls such a plain
subquery up into the statement, so it costs nothing); Core users get subqueries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, Subquery, select

from domain.customers.tables import customers, point_categories

# Every customer with its category's earning multiplier: id, category_id, earn_multiplier,
# erased_at (an erased customer earns nothing: customer_data.customer_erased).
CUSTOMER_MULTIPLIERS = """
    SELECT c.id, c.category_id, pc.earn_multiplier, c.erased_at
      FROM customers c JOIN point_categories pc ON pc.id = c.category_id"""


def customer_erased_sql(customer_id: str) -> str:
    """Whether the customer whose id is the SQL expression `customer_id` (a parameter such
    as `:cid`, or a column of the statement) was erased (a boolean expression)."""
    return f"EXISTS (SELECT 1 FROM customers WHERE id = {customer_id} AND erased_at IS NOT NULL)"


# Whether the customer whose id is the parameter :cid was erased.
CUSTOMER_ERASED = customer_erased_sql(":cid")

# Every customer with an external reference, not erased: id, external_ref. (An erased
# customer's reference is a tombstone, erased:<id>: nothing is written to them through it.)
CUSTOMER_REFS = """
    SELECT id, external_ref FROM customers WHERE external_ref IS NOT NULL AND erased_at IS NULL"""

# Every customer: id, category_id, created_at.
CUSTOMERS = "SELECT id, category_id, created_at FROM customers"

# The sequence customers' ids come from, in the order they registered (rollup jobs consume
# it behind a watermark: domain/watermarks.py).
CUSTOMER_IDS = "customers_id_seq"

# The customers whose category the tier rules place (not set by hand, not erased): id,
# category_id.
PLACED_BY_RULES = """
    SELECT id, category_id FROM customers WHERE NOT category_manual AND erased_at IS NULL"""

# Every category: id, name, earn_multiplier, is_default.
CATEGORIES = "SELECT id, name, earn_multiplier, is_default FROM point_categories"


def category_move_ctes(moving: str) -> str:
    """CTEs `locked` and `changed` that move each customer of the relation `moving` (id,
    target, value) to the category `target`, unless it was set by hand, reached or the
    customer erased meanwhile: `changed` (id, previous, target, value) lists those moved.

    The rows are locked in id order, so two such statements never deadlock; FOR UPDATE
    hands back each row as it is once locked, so `previous` is the category the change
    really replaces, and the UPDATE checks the row again (a concurrent move, a manual
    change or an erasure may have got there first)."""
    return f"""
    locked AS (SELECT c.id, c.category_id AS previous FROM customers c
                 JOIN {moving} m ON m.id = c.id ORDER BY c.id FOR UPDATE OF c),
    changed AS (UPDATE customers c SET category_id = m.target, updated_at = now()
                  FROM {moving} m JOIN locked l ON l.id = m.id
                 WHERE c.id = m.id AND NOT c.category_manual AND c.category_id <> m.target
                   AND c.erased_at IS NULL
                RETURNING c.id, l.previous, m.target, m.value)"""


def members() -> Subquery:
    """Every customer's id, category_id and external_ref, as a Core subquery."""
    c = customers.c
    return select(c.id, c.category_id, c.external_ref).subquery("members")


# Who is still a customer: not erased (docs/data-protection.md).
_NOT_ERASED = customers.c.erased_at.is_(None)


def existing_customers(ids: Sequence[int] | None) -> Select[tuple[int]]:
    """A query of which of these ids are customers' (each once), erased ones left out;
    every such customer's id when `ids` is None."""
    query = select(customers.c.id).where(_NOT_ERASED)
    return query if ids is None else query.where(customers.c.id.in_(list(ids)))


def known_categories(ids: Sequence[int]) -> Select[tuple[int]]:
    """A query of which of these category ids exist."""
    return select(point_categories.c.id).where(point_categories.c.id.in_(list(ids)))


def profiles() -> Subquery:
    """Every customer's profile as segment filters read it, as a Core subquery: id,
    category_id, created_at, birth_date, time_zone, locale, consent_email, consent_sms,
    attributes. Erased customers are not among them: no segment holds one."""
    c = customers.c
    return (
        select(
            c.id,
            c.category_id,
            c.created_at,
            c.birth_date,
            c.time_zone,
            c.locale,
            c.consent_email,
            c.consent_sms,
            c.attributes,
        )
        .where(_NOT_ERASED)
        .subquery("profiles")
    )


def categories_named(names: Sequence[str]) -> Select[tuple[int]]:
    """A query of the ids of the categories with these names."""
    return select(point_categories.c.id).where(point_categories.c.name.in_(list(names)))


def known_category_names(names: Sequence[str]) -> Select[tuple[str]]:
    """A query of which of these category names exist."""
    return select(point_categories.c.name).where(point_categories.c.name.in_(list(names)))


def names() -> Subquery:
    """Every customer's id, first_name, last_name and external_ref, as a Core subquery
    (what a printed or exported card names its holder by)."""
    c = customers.c
    return select(c.id, c.first_name, c.last_name, c.external_ref).subquery("holders")
