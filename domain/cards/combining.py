"""How card discounts price a cart: pure integer arithmetic, no I/O.

After the price rules have given each line its member unit price (domain.pricing.prices),
per line, in this order:

1. DISCOUNT cards. Each ACTIVE DISCOUNT card of the customer whose series covers the line
   (scope ALL, or the line's SKU or product line; a line the shop flagged as discounted only
   when the series includes discounted lines) offers its percentage. The program's policy
   combines them: BEST_SINGLE takes the largest (ties: the oldest card, lowest id); ADDITIVE
   adds them in card id order, at most `cap_bp` in all (the card that reaches the cap gives
   what is left of it, later cards nothing). The line's card discount is
   floor(member_total * combined_bp / 10000), computed on the line's member total (member
   unit price * quantity), and each card's share is
   floor(member_total * cumulative_bp / 10000) minus the same for the cards before it, so
   the shares add up to the line's card discount exactly.
2. The current discount (at most one a cart: see `pick_current`) comes off what is left of
   the cart after the cards, R = sum of the lines' remainders r_i: money off
   min(amount_off, R), or floor(R * percent_bp / 10000). It is spread over the lines pro
   rata of r_i, each line floor(off * r_i / R), the minor units left over going one each to
   the lines with the largest remainders of that division (ties: the earlier line), so the
   shares add up to the money off exactly and no line goes below zero.

So a line's net total = member total - card discount - current discount share >= 0, and
never above its shelf total."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.checkout.quote import CartLine

MAX_BP = 10_000


class CombineMode(StrEnum):
    BEST_SINGLE = "BEST_SINGLE"
    ADDITIVE = "ADDITIVE"


class DiscountScope(StrEnum):
    ALL = "ALL"
    SKUS = "SKUS"
    PRODUCT_LINES = "PRODUCT_LINES"


@dataclass(frozen=True)
class DiscountPolicy:
    """How simultaneous DISCOUNT cards combine on one line."""

    mode: CombineMode = CombineMode.BEST_SINGLE
    cap_bp: int = MAX_BP  # ADDITIVE only


@dataclass(frozen=True)
class DiscountCard:
    """An ACTIVE DISCOUNT card of the customer, with its series' terms."""

    card_id: int
    name: str  # the series' name
    percent_bp: int
    scope: DiscountScope = DiscountScope.ALL
    skus: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    include_discounted: bool = False

    def covers(self, line: CartLine) -> bool:
        if line.discounted and not self.include_discounted:
            return False
        if self.scope is DiscountScope.SKUS:
            return line.sku in self.skus
        if self.scope is DiscountScope.PRODUCT_LINES:
            return line.product_line is not None and line.product_line in self.product_lines
        return True


@dataclass(frozen=True)
class CurrentDiscount:
    """An open current discount of the customer: money off, or a percentage."""

    id: int
    amount_off_minor: int | None
    percent_bp: int | None
    expires_at: datetime

    @property
    def name(self) -> str:
        """What a till shows: "15.00 off from the last sale", "10% from the last sale"."""
        if self.amount_off_minor is not None:
            units, cents = divmod(self.amount_off_minor, 100)
            return f"{units}.{cents:02d} off from the last sale"
        assert self.percent_bp is not None
        return f"{self.percent_bp / 100:g}% from the last sale"


def card_shares(
    member_total_minor: int,
    line: CartLine,
    cards: Sequence[DiscountCard],
    policy: DiscountPolicy,
) -> list[tuple[DiscountCard, int]]:
    """Each covering card's share of the line's card discount (cards giving 0 left out)."""
    offers = sorted(
        (c for c in cards if c.covers(line) and c.percent_bp > 0), key=lambda c: c.card_id
    )
    if not offers or member_total_minor <= 0:
        return []
    if policy.mode is CombineMode.BEST_SINGLE:
        best = max(offers, key=lambda c: (c.percent_bp, -c.card_id))
        taken = [(best, min(best.percent_bp, MAX_BP))]
    else:
        left = max(0, min(policy.cap_bp, MAX_BP))
        taken = []
        for card in offers:
            bp = min(card.percent_bp, left)
            left -= bp
            taken.append((card, bp))
    shares = []
    cumulative = before = 0
    for card, bp in taken:
        cumulative += bp
        upto = member_total_minor * cumulative // MAX_BP
        if upto > before:
            shares.append((card, upto - before))
        before = upto
    return shares


def current_off(current: CurrentDiscount, remaining_minor: int) -> int:
    """The money off the current discount gives on a cart of which `remaining_minor` is
    left after the card discounts."""
    if remaining_minor <= 0:
        return 0
    if current.amount_off_minor is not None:
        return min(current.amount_off_minor, remaining_minor)
    assert current.percent_bp is not None
    return remaining_minor * min(current.percent_bp, MAX_BP) // MAX_BP


def spread(off_minor: int, remainders: Sequence[int]) -> list[int]:
    """`off_minor` (at most sum(remainders)) over the lines pro rata of their remainders:
    largest-remainder rounding, ties to the earlier line; each share <= its remainder."""
    total = sum(remainders)
    if off_minor <= 0 or total <= 0:
        return [0] * len(remainders)
    off_minor = min(off_minor, total)
    shares = [off_minor * r // total for r in remainders]
    left = off_minor - sum(shares)
    order = sorted(range(len(remainders)), key=lambda i: (-(off_minor * remainders[i] % total), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def pick_current(open_discounts: Sequence[CurrentDiscount], at: datetime) -> CurrentDiscount | None:
    """The one current discount a cart gets: of those still valid at `at`, the one expiring
    first (ties: the oldest, lowest id), so none is lost to expiry while a later one waits."""
    valid = [d for d in open_discounts if d.expires_at > at]
    return min(valid, key=lambda d: (d.expires_at, d.id), default=None)
