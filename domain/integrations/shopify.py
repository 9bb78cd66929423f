"""Shopify's order webhooks read as a Change: orders/create (at the status its financial
status maps to: pending, authorized and partially paid are CREATED, paid and partially or
wholly refunded PAID, since refunds come as refunds/create; voided changes nothing),
orders/paid (PAID), orders/cancelled (refund whatever is not refunded yet) and
refunds/create (refund the refund's lines, keyed by the refund's id). The shop may
override a financial status's mapping, and "cancelled".

A line's price is its price times its quantity less its discounts (its
discount_allocations, else total_discount) and, in a shop whose prices include tax
(taxes_included), less its tax_lines, over its quantity; its SKU, or
`product-<variant id>` when it has none; its product line the line's product_type when
present (order payloads carry no collections)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.integrations.changes import (
    Action,
    Change,
    PayloadError,
    PlatformCustomer,
    list_at,
    mapped_status,
    minor_units,
    moment,
    object_at,
    quantity_of,
    text_of,
    unit_price,
)
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.validation import RefundLine

TOPICS = ("orders/create", "orders/paid", "orders/cancelled", "refunds/create")
STATUSES = {
    "pending": "CREATED",
    "authorized": "CREATED",
    "partially_paid": "CREATED",
    "paid": "PAID",
    "partially_refunded": "PAID",
    "refunded": "PAID",
    "voided": "IGNORE",
    "cancelled": "REFUND",
}


def read(topic: str, body: dict[str, Any], overrides: Mapping[str, str]) -> Change:
    if topic not in TOPICS:
        return Change(Action.IGNORE, topic, reason=f"Topic {topic!r} is not handled.")
    if topic == "refunds/create":
        return _refund(topic, body)
    order_id = text_of(body.get("id"), "id")
    if topic == "orders/cancelled":
        mapped = mapped_status(STATUSES, overrides, "cancelled")
    elif topic == "orders/paid":
        mapped = mapped_status({"paid": "PAID"}, overrides, "paid")
    else:
        financial = text_of(body.get("financial_status"), "financial_status")
        assert financial is not None
        mapped = mapped_status(STATUSES, overrides, financial)
    if mapped == "IGNORE":
        return Change(Action.IGNORE, topic, order_id, reason="The status is ignored.")
    if mapped == "REFUND":
        return Change(Action.REFUND, topic, order_id, refund_id=f"{order_id}-cancelled")
    currency = text_of(body.get("currency"), "currency") or ""
    return Change(
        Action.RECORD,
        topic,
        order_id,
        status=PurchaseStatus(mapped),
        lines=_lines(
            list_at(body.get("line_items"), "line_items"),
            currency,
            taxes_included=body.get("taxes_included") is True,
        ),
        occurred_at=moment(body.get("processed_at") or body.get("created_at"), "created_at"),
        customer=_customer(body),
    )


def _lines(items: list[Any], currency: str, taxes_included: bool) -> list[Line]:
    """The order's lines, each at its total after discounts and before tax: a shop whose
    prices include tax (`taxes_included`) has each line's tax_lines taken off."""
    lines = []
    for i, raw in enumerate(items):
        item = object_at(raw, f"line_items.{i}")
        where = f"line_items.{i}"
        quantity = quantity_of(item.get("quantity"), f"{where}.quantity")
        price = minor_units(item.get("price"), currency, f"{where}.price")
        allocations = item.get("discount_allocations")
        if isinstance(allocations, list) and allocations:
            off = sum(
                minor_units(object_at(a, f"{where}.discount_allocations").get("amount"),
                            currency, f"{where}.discount_allocations.amount")
                for a in allocations
            )  # fmt: skip
        else:
            off = minor_units(item.get("total_discount") or 0, currency, f"{where}.total_discount")
        total = price * quantity - off - (_tax(item, currency, where) if taxes_included else 0)
        if price < 0 or total < 0:
            raise PayloadError(f"{where}: a line's price after discounts is not negative.")
        product_type = item.get("product_type")
        lines.append(
            Line(
                _sku(item, where),
                quantity,
                unit_price(total, quantity),
                False,
                product_type if isinstance(product_type, str) and product_type else None,
            )
        )
    return lines


def _tax(item: dict[str, Any], currency: str, where: str) -> int:
    """The tax a line holds (its tax_lines' prices, for the whole line)."""
    taxes = item.get("tax_lines")
    return sum(
        minor_units(object_at(t, f"{where}.tax_lines.{n}").get("price"), currency,
                    f"{where}.tax_lines.{n}.price")
        for n, t in enumerate([] if taxes is None else list_at(taxes, f"{where}.tax_lines"))
    )  # fmt: skip


def _sku(item: dict[str, Any], where: str) -> str:
    sku = text_of(item.get("sku"), f"{where}.sku", required=False)
    if sku is not None:
        return sku
    return f"product-{text_of(item.get('variant_id') or item.get('product_id'), f'{where}.id')}"


def _refund(topic: str, body: dict[str, Any]) -> Change:
    refund_id = text_of(body.get("id"), "id")
    order_id = text_of(body.get("order_id"), "order_id")
    lines = []
    for i, raw in enumerate(list_at(body.get("refund_line_items") or [], "refund_line_items")):
        item = object_at(raw, f"refund_line_items.{i}")
        line_item = object_at(item.get("line_item"), f"refund_line_items.{i}.line_item")
        quantity = quantity_of(item.get("quantity"), f"refund_line_items.{i}.quantity")
        lines.append(RefundLine(_sku(line_item, f"refund_line_items.{i}.line_item"), quantity))
    if not lines:
        return Change(
            Action.IGNORE, topic, order_id, reason="A refund without lines (shipping, amount)."
        )
    return Change(Action.REFUND, topic, order_id, refund_lines=lines, refund_id=refund_id)


def _customer(body: dict[str, Any]) -> PlatformCustomer:
    customer = body.get("customer") if isinstance(body.get("customer"), dict) else {}
    assert isinstance(customer, dict)
    email = customer.get("email") or body.get("email")
    return PlatformCustomer(
        platform_id=text_of(customer.get("id"), "customer.id", required=False),
        email=email if isinstance(email, str) and email else None,
        first_name=_optional(customer.get("first_name")),
        last_name=_optional(customer.get("last_name")),
        phone=_optional(customer.get("phone")),
    )


def _optional(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
