"""What cards lets other areas embed in their own statements (see domain.customers.sql):
the till's reads of cards, and Core fragments and SQL text over `cards`, `card_series`,
`card_discount_policy` and `current_discounts`, so that a pricing read or a purchase's write
stays one statement.

A relation is a SELECT to use as `FROM ({RELATION}) alias`; Core users get selects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, Select, and_, func, literal, select
from sqlalchemy.dialects.postgresql import JSON

from domain.cards.combining import (
    CombineMode,
    CurrentDiscount,
    DiscountCard,
    DiscountPolicy,
    DiscountScope,
)
from domain.cards.tables import card_discount_policy, card_series, cards, current_discounts

POLICY_ID = 1

# The ledger policy's PAYABLE for the customer :cid (domain/ledger/policy.py): false when
# their only ACTIVE cards are PRIZE cards (points collected towards rewards only); a
# customer without cards, or with any other active card, pays with points as before.
POINTS_PAYABLE = """
    NOT (EXISTS (SELECT 1 FROM cards WHERE customer_id = :cid AND status = 'ACTIVE'
                   AND type = 'PRIZE')
         AND NOT EXISTS (SELECT 1 FROM cards WHERE customer_id = :cid AND status = 'ACTIVE'
                           AND type <> 'PRIZE'))"""


def active_cards_of(customer_id: int) -> Select[Any]:
    """The customer's ACTIVE cards (id, type, series_id, code), oldest first."""
    return (
        select(cards.c.id, cards.c.type, cards.c.series_id, cards.c.code)
        .where(cards.c.customer_id == customer_id, cards.c.status == "ACTIVE")
        .order_by(cards.c.id)
    )


def discount_cards_json(customer_id: int) -> ScalarSelect[Any]:
    """The customer's ACTIVE DISCOUNT cards whose series has a percentage set, with their
    series' terms, as a JSON array (read back with `discount_cards_from`). A closed series
    (not active) issues no more cards, but those it issued keep giving their discount."""
    card = func.json_build_object(
        "card_id", cards.c.id,
        "name", card_series.c.name,
        "percent_bp", card_series.c.discount_bp,
        "scope", card_series.c.discount_scope,
        "skus", card_series.c.discount_skus,
        "product_lines", card_series.c.discount_product_lines,
        "include_discounted", card_series.c.discount_include_discounted,
    )  # fmt: skip
    return (
        select(func.coalesce(func.json_agg(card), literal("[]").cast(JSON())))
        .select_from(cards.join(card_series, card_series.c.id == cards.c.series_id))
        .where(
            cards.c.customer_id == customer_id,
            cards.c.status == "ACTIVE",
            cards.c.type == "DISCOUNT",
            card_series.c.discount_bp.is_not(None),
        )
        .scalar_subquery()
    )


def open_current_discounts_json(customer_id: int) -> ScalarSelect[Any]:
    """The customer's current discounts not used, not cancelled and not expired now, as a
    JSON array (read back with `current_discounts_from`)."""
    found = func.json_build_object(
        "id", current_discounts.c.id,
        "amount_off_minor", current_discounts.c.amount_off_minor,
        "percent_bp", current_discounts.c.percent_bp,
        "expires_at", current_discounts.c.expires_at,
    )  # fmt: skip
    return (
        select(func.coalesce(func.json_agg(found), literal("[]").cast(JSON())))
        .where(
            current_discounts.c.customer_id == customer_id,
            _open(),
            current_discounts.c.expires_at > func.now(),
        )
        .scalar_subquery()
    )


def policy_json() -> ScalarSelect[Any]:
    """The program's combining policy as a JSON object (null: none set, BEST_SINGLE)."""
    return (
        select(
            func.json_build_object(
                "mode", card_discount_policy.c.mode, "cap_bp", card_discount_policy.c.cap_bp
            )
        )
        .where(card_discount_policy.c.id == POLICY_ID)
        .scalar_subquery()
    )


def _open() -> Any:
    return and_(current_discounts.c.used_at.is_(None), current_discounts.c.cancelled_at.is_(None))


def discount_cards_from(data: list[dict[str, Any]] | None) -> list[DiscountCard]:
    return [
        DiscountCard(
            card_id=int(c["card_id"]),
            name=c["name"],
            percent_bp=int(c["percent_bp"]),
            scope=DiscountScope(c["scope"]),
            skus=tuple(c["skus"] or ()),
            product_lines=tuple(c["product_lines"] or ()),
            include_discounted=bool(c["include_discounted"]),
        )
        for c in data or []
    ]


def current_discounts_from(data: list[dict[str, Any]] | None) -> list[CurrentDiscount]:
    return [
        CurrentDiscount(
            id=int(d["id"]),
            amount_off_minor=d["amount_off_minor"],
            percent_bp=d["percent_bp"],
            expires_at=datetime.fromisoformat(d["expires_at"]),
        )
        for d in data or []
    ]


def policy_from(data: dict[str, Any] | None) -> DiscountPolicy:
    if not data:
        return DiscountPolicy()
    return DiscountPolicy(CombineMode(data["mode"]), int(data["cap_bp"]))


# Every card as a till reads it: customer_id, code, status, status_reason,
# status_changed_at. A code names at most one live card and any number of replaced ones.
CARD_READS = """
    SELECT customer_id, code, status, status_reason, status_changed_at FROM cards"""


# ORDER BY for rows of CARD_READS aliased `alias` with one code: the live card first (then
# the latest replaced one), so `LIMIT 1` gives the card the code names.
def card_read_order(alias: str) -> str:
    return f"({alias}.status = 'REPLACED'), {alias}.status_changed_at DESC NULLS LAST"


def holders_of(code: str) -> Select[tuple[int]]:
    """A query of the customer holding an ACTIVE card with this code (none or one)."""
    return select(cards.c.customer_id).where(cards.c.code == code, cards.c.status == "ACTIVE")


def holders_matching(pattern: str) -> Select[tuple[int]]:
    """A query of the customers holding a card (of any status) whose code is ILIKE
    `pattern` (a search: an old card's code still finds its customer for the staff)."""
    return select(cards.c.customer_id).where(cards.c.code.ilike(pattern))
