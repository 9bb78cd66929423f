"""Quoting a cart for payment with points."""

from __future__ import annotations

from sqlalchemy import text

from domain.checkout.quote import CartLine, Quote, quote
from domain.checkout.rules import PROGRAM_ID, RULES_COLUMNS, rules_from
from domain.errors import DomainError, ErrorCode, Problems
from domain.limits import MAX_LINE_QUANTITY, MAX_MONEY_MINOR, MAX_ORDER_LINES
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text


def check_cart(problems: Problems, lines: list[CartLine]) -> list[CartLine]:
    if not lines:
        problems.add("cart", ErrorCode.REQUIRED, "A cart has at least one line.")
    if len(lines) > MAX_ORDER_LINES:
        problems.add("cart", ErrorCode.OUT_OF_RANGE, f"At most {MAX_ORDER_LINES} lines.")
        return []
    clean = []
    for i, line in enumerate(lines):
        sku = required_text(problems, f"cart.{i}.sku", line.sku, 100)
        if not 0 < line.quantity <= MAX_LINE_QUANTITY:
            problems.add(
                f"cart.{i}.quantity",
                ErrorCode.OUT_OF_RANGE,
                f"A quantity is 1 to {MAX_LINE_QUANTITY}.",
            )
        if not 0 <= line.unit_price_minor <= MAX_MONEY_MINOR:
            problems.add(
                f"cart.{i}.unitPriceMinor",
                ErrorCode.OUT_OF_RANGE,
                f"A unit price is 0 to {MAX_MONEY_MINOR} minor units.",
            )
        clean.append(
            CartLine(
                sku,
                line.quantity,
                line.unit_price_minor,
                line.discounted,
                (line.product_line or "").strip() or None,
            )
        )
    if not problems.items and sum(ln.amount_minor for ln in clean) > MAX_MONEY_MINOR:
        problems.add("cart", ErrorCode.OUT_OF_RANGE, "The cart total is too large.")
    return clean


_ACCOUNT_AND_RULES = text(f"""
    SELECT a.balance - a.held AS spendable, {RULES_COLUMNS}
      FROM point_accounts a JOIN redemption_rules r ON r.id = :program
     WHERE a.customer_id = :customer_id
""")


async def quote_redemption(uow: UnitOfWork, customer_id: str, lines: list[CartLine]) -> Quote:
    """How many of the customer's points this cart can take, and what they are worth.

    Writes nothing; one read. Spendable points are the balance less the points held by
    checkouts."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    cart = check_cart(problems, lines)
    problems.raise_if_any()
    async with uow.autocommit():
        row = await uow.fetch_row(_ACCOUNT_AND_RULES, {"customer_id": cid, "program": PROGRAM_ID})
    if row is None:
        raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
    return quote(rules_from(row), row["spendable"], cart)
