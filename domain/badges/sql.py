"""What badges lets other areas embed in their own statements (reports, member prices),
read through relations and Core fragments rather than by naming its tables."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Exists,
    ScalarSelect,
    Select,
    func,
    literal,
    select,
)

from domain.badges.tables import badges, customer_badges

# Every badge, with every column of a badge (badges.models.badge_of reads such a row).
BADGES = "SELECT * FROM badges"


def holders_per_badge_sql(accounts: str) -> str:
    """A relation (badge_id, customers, balance): how many customers hold each badge now,
    and the total of their balances (from `accounts`, a relation of balance rows with
    customer_id and balance)."""
    return f"""
        SELECT cb.badge_id, count(*) AS customers,
               COALESCE(CAST(sum(a.balance) AS bigint), 0) AS balance
          FROM customer_badges cb LEFT JOIN ({accounts}) a ON a.customer_id = cb.customer_id
         GROUP BY cb.badge_id"""


def badges_held_by(customer_id: ColumnElement[int]) -> ScalarSelect[list[int]]:
    """The ids of the badges the customer (a column of the enclosing query) holds, as an
    array (empty when none)."""
    return (
        select(
            func.coalesce(
                func.array_agg(customer_badges.c.badge_id), literal([], ARRAY(BigInteger))
            )
        )
        .where(customer_badges.c.customer_id == customer_id)
        .scalar_subquery()
    )


def known_badges(ids: Sequence[int]) -> Select[tuple[int]]:
    """A query of which of these badge ids exist."""
    return select(badges.c.id).where(badges.c.id.in_(list(ids)))


def holds_badge(customer_id: ColumnElement[int], badge: int | str) -> Exists:
    """Whether the customer (a column of the enclosing query) holds the badge now: `badge`
    is its id, or a title (then any badge with that title; titles need not be unique)."""
    held = customer_badges.c
    query = select(literal(1)).where(held.customer_id == customer_id)
    if isinstance(badge, int):
        return query.where(held.badge_id == badge).exists()
    titled = select(badges.c.id).where(badges.c.title == badge)
    return query.where(held.badge_id.in_(titled)).exists()


def known_badge_titles(titles: Sequence[str]) -> Select[tuple[str]]:
    """A query of which of these badge titles some badge has."""
    return select(badges.c.title).where(badges.c.title.in_(list(titles))).distinct()
