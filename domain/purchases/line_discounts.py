"""What each line of a sale was given off, and by what: checked against the customer and
written with the purchase (`purchase_line_discounts`), so the program's cost is known.

A sale's lines are recorded at the price the price rules gave (the member unit price, as
priceCart answers it). A PRICE_RULE amount is what the rule took off the shelf price: it is
already out of the line's unit price, recorded for its cost only. CARD and CURRENT_DISCOUNT
amounts come off the line's amount (quantity * unit price): together they never exceed it,
and like vouchers they are not paid in money, so they earn no points and the current
discount a sale gives is computed from the total less them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select

from domain.cards.sql import active_cards_of
from domain.errors import ErrorCode, Problems
from domain.limits import MAX_MONEY_MINOR
from domain.pricing.prices import SourceKind
from domain.pricing.sql import known_price_rules
from domain.purchases.earning import Line
from domain.purchases.tables import purchase_line_discounts
from domain.uow import UnitOfWork
from domain.validation import parse_id

MAX_DISCOUNTS_PER_LINE = 20
_OFF_THE_LINE = (SourceKind.CARD, SourceKind.CURRENT_DISCOUNT)


@dataclass(frozen=True)
class LineDiscountInput:
    """As the shop reports it: which line (0-based, as given), from what, how much."""

    line_index: int
    source: SourceKind
    source_id: str
    amount_minor: int


@dataclass(frozen=True)
class LineDiscount:
    line_no: int  # 1-based, as purchase_lines numbers them
    source: SourceKind
    source_id: int
    amount_minor: int
    field: str = ""  # the input it came from, for errors

    @property
    def off_the_line(self) -> bool:
        return self.source in _OFF_THE_LINE


def check_discounts(
    problems: Problems, lines: Sequence[Line], given: Sequence[LineDiscountInput]
) -> list[LineDiscount]:
    """The reported discounts, cleaned; problems named `lines.<i>.discounts.<j>.<input>`:
    an amount of 1 to MAX_MONEY_MINOR, a source once per line, at most one current
    discount a sale, the CARD and CURRENT_DISCOUNT amounts of a line at most its amount."""
    clean: list[LineDiscount] = []
    seen: set[tuple[int, SourceKind, int]] = set()
    counts: dict[int, int] = {}
    currents: set[int] = set()
    for d in given:
        j = counts.get(d.line_index, 0)
        counts[d.line_index] = j + 1
        where = f"lines.{d.line_index}.discounts.{j}"
        if not 0 <= d.line_index < len(lines):
            problems.add(where, ErrorCode.NOT_FOUND, "No such line.")
        if j == MAX_DISCOUNTS_PER_LINE:
            problems.add(
                f"lines.{d.line_index}.discounts",
                ErrorCode.OUT_OF_RANGE,
                f"At most {MAX_DISCOUNTS_PER_LINE} a line.",
            )
        sid = parse_id(problems, f"{where}.sourceId", d.source_id)
        if not 0 < d.amount_minor <= MAX_MONEY_MINOR:
            problems.add(f"{where}.amountMinor", ErrorCode.OUT_OF_RANGE, "1 or more minor units.")
        if (d.line_index, d.source, sid) in seen:
            problems.add(f"{where}.sourceId", ErrorCode.DUPLICATE, "This source is listed twice.")
        seen.add((d.line_index, d.source, sid))
        if d.source is SourceKind.CURRENT_DISCOUNT:
            currents.add(sid)
        clean.append(LineDiscount(d.line_index + 1, d.source, sid, d.amount_minor, where))
    if len(currents) > 1:
        problems.add("lines", ErrorCode.INVALID, "A sale uses at most one current discount.")
    for i, line in enumerate(lines):
        off = sum(d.amount_minor for d in clean if d.line_no == i + 1 and d.off_the_line)
        if off > line.amount_minor:
            problems.add(
                f"lines.{i}.discounts",
                ErrorCode.OUT_OF_RANGE,
                "Card and current discounts take at most the line's amount.",
            )
    return clean


def off_the_lines_minor(discounts: Sequence[LineDiscount]) -> int:
    """What the cards and the current discount took off the sale (not paid in money)."""
    return sum(d.amount_minor for d in discounts if d.off_the_line)


async def require_sources(
    uow: UnitOfWork, customer_id: int, discounts: Sequence[LineDiscount]
) -> None:
    """DISCOUNT_NOT_APPLICABLE on each CARD that is not an ACTIVE DISCOUNT card of the
    customer, NOT_FOUND on each PRICE_RULE that does not exist, in the open unit of work
    (the current discount is checked as it is used: domain.cards.current_discounts)."""
    problems = Problems()
    cards = [d for d in discounts if d.source is SourceKind.CARD]
    if cards:
        held = {
            row.id
            for row in await uow.execute(active_cards_of(customer_id))
            if row.type == "DISCOUNT"
        }
        for d in cards:
            if d.source_id not in held:
                problems.add(
                    f"{d.field}.sourceId",
                    ErrorCode.DISCOUNT_NOT_APPLICABLE,
                    "Not an active discount card of this customer.",
                )
    rules = [d for d in discounts if d.source is SourceKind.PRICE_RULE]
    if rules:
        query = known_price_rules([d.source_id for d in rules])
        known = set((await uow.execute(query)).scalars())
        for d in rules:
            if d.source_id not in known:
                problems.add(f"{d.field}.sourceId", ErrorCode.NOT_FOUND, "No such price rule.")
    problems.raise_if_any()


async def write_discounts(
    uow: UnitOfWork, purchase_id: int, customer_id: int, discounts: Sequence[LineDiscount]
) -> None:
    """The sale's line discounts, one statement, in the open unit of work."""
    if not discounts:
        return
    await uow.execute(
        insert(purchase_line_discounts),
        [
            {
                "purchase_id": purchase_id,
                "line_no": d.line_no,
                "customer_id": customer_id,
                "source_kind": d.source.value,
                "source_id": d.source_id,
                "amount_minor": d.amount_minor,
            }
            for d in discounts
        ],
    )


async def discounts_of(uow: UnitOfWork, purchase_id: int) -> list[LineDiscount]:
    """What the sale's lines were given, by line then source, in the open unit of work."""
    t = purchase_line_discounts.c
    query = (
        select(t.line_no, t.source_kind, t.source_id, t.amount_minor)
        .where(t.purchase_id == purchase_id)
        .order_by(t.line_no, t.source_kind, t.source_id)
    )
    return [
        LineDiscount(row.line_no, SourceKind(row.source_kind), row.source_id, row.amount_minor)
        for row in await uow.execute(query)
    ]
