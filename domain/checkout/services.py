"""Quoting a cart for payment with points."""

from __future__ import annotations

from domain.checkout.orders import quote_on_order
from domain.checkout.quote import CartLine, Quote
from domain.errors import ErrorCode, Problems
from domain.limits import MAX_LINE_QUANTITY, MAX_MONEY_MINOR, MAX_ORDER_LINES
from domain.uow import UnitOfWork
from domain.validation import optional_text, parse_id, required_text


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


async def quote_redemption(
    uow: UnitOfWork,
    customer_id: str,
    lines: list[CartLine],
    order_id: str | None = None,
    shop: str = "default",
) -> Quote:
    """How many of the customer's points this cart can take, and what they are worth; on an
    order when one is named, net of what points and vouchers already took off it.

    Writes nothing; one read. Spendable points are the balance less the points held by
    checkouts."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    cart = check_cart(problems, lines)
    clean_shop = required_text(problems, "shop", shop, 100)
    clean_order = optional_text(problems, "orderId", order_id, 100)
    problems.raise_if_any()
    async with uow.autocommit():
        return await quote_on_order(uow, cid, clean_shop, clean_order, cart)
