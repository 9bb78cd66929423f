"""Quoting a cart for payment with points."""

from __future__ import annotations

from domain.checkout.orders import quote_on_order
from domain.checkout.quote import CartLine, Quote
from domain.errors import Problems
from domain.uow import OneStatement, UnitOfWork
from domain.validation import check_line_items, optional_text, parse_id, required_text


def check_cart(problems: Problems, lines: list[CartLine]) -> list[CartLine]:
    """The cart's lines, cleaned; problems named `cart.<i>.<input>`."""
    return check_line_items(problems, "cart", lines, "a cart")


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
    async with OneStatement(uow.engine) as db:
        return await quote_on_order(db, cid, clean_shop, clean_order, cart)
