"""Creating, changing and listing price rules, and pricing a customer's cart with them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.access.acting import customer_acted_for
from domain.access.principals import Principal
from domain.badges.sql import badges_held_by, known_badges
from domain.cards.combining import pick_current
from domain.cards.sql import (
    current_discounts_from,
    discount_cards_from,
    discount_cards_json,
    open_current_discounts_json,
    policy_from,
    policy_json,
)
from domain.checkout.quote import CartLine
from domain.checkout.services import check_cart
from domain.commands import Command, run
from domain.customers.sql import known_categories, members
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import request_digest, require_same
from domain.pagination import Page
from domain.pricing.card_discounts import apply_cards
from domain.pricing.models import PriceRule, PriceRuleSpec, check_spec, price_rule_of
from domain.pricing.prices import Member, PricedCart, price_cart
from domain.pricing.segments import require_segment, segments_held, segments_named
from domain.pricing.tables import price_rules
from domain.segments import SegmentCatalog
from domain.uow import OneStatement, UnitOfWork
from domain.validation import parse_id, required_text

KEY_CONSTRAINT = "uq_price_rules_idempotency_key"


def _digest(spec: PriceRuleSpec) -> str:
    # `segment` came with 0031: a rule without one keeps the fingerprint it had before.
    return request_digest(spec, added_later=("segment",))


@dataclass(frozen=True)
class PriceRuleWrite:
    rule: PriceRule
    replayed: bool = False


async def create_price_rule(
    uow: UnitOfWork,
    spec: PriceRuleSpec,
    idempotency_key: str,
    segments: SegmentCatalog | None = None,
) -> PriceRuleWrite:
    """Add a price rule; it prices carts from its validFrom on.

    Guarantees: every problem of its settings is reported at once (a percentage over 100%
    is OUT_OF_RANGE on percentBp; unknown badges or categories are NOT_FOUND; a saved
    segment that `segments` does not know, or any segment without `segments`, NOT_FOUND on
    segment) and nothing is written; the same key replayed returns the first rule
    (replayed) and writes nothing, with other settings it is an IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    clean = check_spec(problems, spec)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, CreatePriceRule(clean, key, segments))


@dataclass(frozen=True)
class CreatePriceRule(Command[PriceRuleWrite]):
    spec: PriceRuleSpec  # checked
    key: str
    segments: SegmentCatalog | None = None

    key_constraints = frozenset({KEY_CONSTRAINT})

    async def handle(self, uow: UnitOfWork) -> PriceRuleWrite:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        await _require_known(uow, self.spec)
        await require_segment(uow, self.spec, self.segments)
        row = (
            await uow.execute(
                insert(price_rules)
                .values(
                    **self.spec.columns(),
                    idempotency_key=self.key,
                    request_digest=_digest(self.spec),
                )
                .returning(price_rules)
            )
        ).one()
        return PriceRuleWrite(price_rule_of(row))

    async def replay(self, uow: UnitOfWork) -> PriceRuleWrite | None:
        """The rule first created under the key (as it is now), if any."""
        query = select(price_rules).where(price_rules.c.idempotency_key == self.key)
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, _digest(self.spec), "price rule")
        return PriceRuleWrite(price_rule_of(row), replayed=True)


async def update_price_rule(
    uow: UnitOfWork,
    rule_id: str,
    changes: dict[str, Any],
    segments: SegmentCatalog | None = None,
) -> PriceRuleWrite:
    """Change some of a rule's settings (the others stay as they are), all or nothing;
    `active: False` retires it. A new effect, scope or condition drops the value, products,
    ids or segment of the old one that are not given again; a newly named saved segment
    must exist (in `segments`). Carts priced before are not affected."""
    problems = Problems()
    rid = parse_id(problems, "id", rule_id)
    problems.raise_if_any()
    return await run(uow, UpdatePriceRule(rid, changes, segments))


@dataclass(frozen=True)
class UpdatePriceRule(Command[PriceRuleWrite]):
    """Lock the rule, check its settings with the changes, write them."""

    rule_id: int
    changes: dict[str, Any]
    segments: SegmentCatalog | None = None

    async def handle(self, uow: UnitOfWork) -> PriceRuleWrite:
        query = select(price_rules).where(price_rules.c.id == self.rule_id).with_for_update()
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such price rule.")
        before = price_rule_of(row).spec
        problems = Problems()
        clean = check_spec(problems, changed_spec(before, self.changes))
        problems.raise_if_any()
        await _require_known(uow, clean)
        if clean.segment != before.segment:
            await require_segment(uow, clean, self.segments)
        row = (
            await uow.execute(
                update(price_rules)
                .where(price_rules.c.id == self.rule_id)
                .values(**clean.columns(), updated_at=func.now())
                .returning(price_rules)
            )
        ).one()
        return PriceRuleWrite(price_rule_of(row))


# What each kind-like setting brings along: changing it drops the old kind's fields.
_DEPENDENTS = {
    "effect": ("percent_bp", "amount_off_minor", "member_price_minor"),
    "scope": ("skus", "product_lines"),
    "condition": ("badge_ids", "category_ids", "segment"),
}
_EMPTY: dict[str, Any] = {
    "percent_bp": None,
    "amount_off_minor": None,
    "member_price_minor": None,
    "skus": (),
    "product_lines": (),
    "badge_ids": (),
    "category_ids": (),
    "segment": None,
}


def changed_spec(spec: PriceRuleSpec, changes: dict[str, Any]) -> PriceRuleSpec:
    """`spec` with `changes`; a changed effect, scope or condition drops its dependents
    that `changes` does not give."""
    dropped = {
        name: _EMPTY[name]
        for kind, names in _DEPENDENTS.items()
        if kind in changes and changes[kind] != getattr(spec, kind)
        for name in names
        if name not in changes
    }
    return replace(spec, **dropped, **changes)


async def find_price_rules(
    uow: UnitOfWork, active_only: bool, limit: int, after_id: int | None
) -> Page[PriceRule]:
    """Rules newest first, `limit` after the rule `after_id`."""
    query = select(price_rules).order_by(price_rules.c.id.desc()).limit(limit + 1)
    if active_only:
        query = query.where(price_rules.c.active)
    if after_id is not None:
        query = query.where(price_rules.c.id < after_id)
    async with uow:
        rows = [price_rule_of(row) for row in await uow.execute(query)]
    return Page.from_rows(rows, limit)


async def price_customer_cart(
    uow: UnitOfWork,
    caller: Principal,
    customer_id: str | None,
    lines: Sequence[CartLine],
    segments: SegmentCatalog | None = None,
) -> PricedCart:
    """Each line's member price for this customer now, the rule that gave it and why, the
    shares of the customer's DISCOUNT cards and current discount, and the cart's totals
    (domain.pricing.prices, then domain.pricing.card_discounts). Writes nothing; one read:
    the customer's category, badges, cards, open current discounts, the database's time,
    the cards' policy and the active rules, together (a rule counts when valid at that
    time). When SEGMENT rules are valid, one
    more read of `segments` and one statement ask whether the customer is in each of
    their saved segments at that time (domain.pricing.segments: a segment that cannot be
    evaluated, or no `segments`, leaves its rules out). Staff name the customer; a
    customer caller prices its own cart (naming another customer is NotAllowedError)."""
    customer_id = await customer_acted_for(uow, caller, customer_id)
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    cart = check_cart(problems, list(lines))
    problems.raise_if_any()
    async with OneStatement(uow.engine) as db:
        rows = (await db.execute(_pricing_context(cid))).all()
    if not rows:
        raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
    first, now = rows[0], rows[0].member_now
    rules = [price_rule_of(row) for row in rows if row.id is not None]
    held: frozenset[str] = frozenset()
    if names := segments_named(rules, now):
        async with uow:
            held = await segments_held(uow, segments, cid, names, now)
    badges = frozenset(first.member_badge_ids)
    member = Member(cid, first.member_category_id, badges, held)
    priced = price_cart(cart, rules, member, now)
    current = pick_current(current_discounts_from(first.member_current_discounts), now)
    cards = discount_cards_from(first.member_discount_cards)
    return apply_cards(priced, cards, current, policy_from(first.card_policy))


def _pricing_context(customer_id: int) -> Any:
    """One row per active rule (one row with null rule columns when there is none), each
    with the customer's category, the badges they hold, the database's time, their active
    DISCOUNT cards, their open current discounts and the cards' combining policy (the
    same on every row: uncorrelated subqueries, run once); whether a rule's window holds
    at that time, price_cart decides (valid_at)."""
    member = members()
    return (
        select(
            member.c.category_id.label("member_category_id"),
            badges_held_by(member.c.id).label("member_badge_ids"),
            func.now().label("member_now"),
            discount_cards_json(customer_id).label("member_discount_cards"),
            open_current_discounts_json(customer_id).label("member_current_discounts"),
            policy_json().label("card_policy"),
            price_rules,
        )
        .select_from(member.outerjoin(price_rules, price_rules.c.active))
        .where(member.c.id == customer_id)
    )


async def _require_known(uow: UnitOfWork, spec: PriceRuleSpec) -> None:
    """NOT_FOUND for each badge or category the rule names that does not exist."""
    problems = Problems()
    for field, known_ids, ids in (
        ("badgeIds", known_badges, spec.badge_ids),
        ("categoryIds", known_categories, spec.category_ids),
    ):
        if not ids:
            continue
        known = set((await uow.execute(known_ids([int(i) for i in ids]))).scalars())
        for i, raw in enumerate(ids):
            if int(raw) not in known:
                problems.add(f"{field}.{i}", ErrorCode.NOT_FOUND, f"No such id: {raw}.")
    problems.raise_if_any()
