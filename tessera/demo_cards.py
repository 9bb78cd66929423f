"""The demo's card series and the cards its customers hold beside their loyalty card.

Each write carries a key of its own, so loading it again (a demo loaded before cards had
series) replays instead of issuing twice. The series' discount settings are the discounts'
(set by their own mutation); these are the series and the cards."""

from __future__ import annotations

from collections.abc import Callable

from domain.cards import issuing, series, status
from domain.cards.models import CardType, CheckDigit
from domain.customers.lookups import customer_by_external_ref
from domain.errors import DomainError
from domain.uow import UnitOfWork

# name, type, prefix, check digit, code length
_SERIES = [
    ("Gold card", CardType.DISCOUNT, "290", CheckDigit.EAN13, 13),
    ("Next-visit card", CardType.CURRENT_DISCOUNT, "NV-", CheckDigit.NONE, 9),
    ("Prize card", CardType.PRIZE, "77", CheckDigit.LUHN, 10),
]
# customer, series, and whether the card was then reported lost
_CARDS = [
    ("demo-ann", "Gold card", False),
    ("demo-bob", "Next-visit card", False),
    ("demo-chloe", "Prize card", False),
    ("demo-chloe", "Gold card", True),
]


async def seed_cards(new: Callable[[], UnitOfWork]) -> None:
    """The demo's series, and a card of one for each demo customer (Chloe's Gold card lost,
    to show the till's refusal)."""
    made: dict[str, int] = {}
    for name, kind, prefix, digit, length in _SERIES:
        settings = series.SeriesSettings(name, kind, prefix, digit, length)
        try:
            created = await series.create_series(new(), settings, idempotency_key=f"demo-{name}")
        except DomainError:  # a series of that name made by hand: keep it
            continue
        made[name] = created.item.id
    for n, (ref, name, lost) in enumerate(_CARDS, start=1):
        holder = await customer_by_external_ref(new(), ref)
        if holder is None or name not in made:
            continue
        card = await issuing.issue_card(
            new(), str(holder.id), str(made[name]), None, idempotency_key=f"demo-card-{n}"
        )
        if lost and not card.replayed:
            await status.report_lost(new(), card.item.code, "Lost at the gym")
