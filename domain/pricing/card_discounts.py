"""A cart priced by the rules, then by the customer's cards: pure integer arithmetic.

The order (docs/card-discounts.md): the price rules give each line its member unit price;
the DISCOUNT cards' percentages, combined per the program's policy, come off each line's
member total; then the current discount comes off what is left of the cart, spread over
the lines pro rata (domain.cards.combining has the arithmetic)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from domain.cards.combining import (
    CurrentDiscount,
    DiscountCard,
    DiscountPolicy,
    card_shares,
    current_off,
    spread,
)
from domain.pricing.prices import Contribution, PricedCart, SourceKind


def apply_cards(
    priced: PricedCart,
    cards: Sequence[DiscountCard],
    current: CurrentDiscount | None,
    policy: DiscountPolicy,
) -> PricedCart:
    """`priced` with each line's card and current-discount contributions."""
    per_line: list[list[Contribution]] = []
    remainders = []
    for p in priced.lines:
        shares = card_shares(p.total_minor, p.line, cards, policy)
        per_line.append(
            [Contribution(SourceKind.CARD, c.card_id, c.name, amount) for c, amount in shares]
        )
        remainders.append(p.total_minor - sum(amount for _, amount in shares))
    if current is not None:
        off = current_off(current, sum(remainders))
        for found, share in zip(per_line, spread(off, remainders), strict=True):
            if share > 0:
                found.append(
                    Contribution(SourceKind.CURRENT_DISCOUNT, current.id, current.name, share)
                )
    lines = [
        replace(p, card_contributions=tuple(found))
        for p, found in zip(priced.lines, per_line, strict=True)
    ]
    return replace(priced, lines=lines)
