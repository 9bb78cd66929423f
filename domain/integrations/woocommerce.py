"""WooCommerce's order webhooks (topics order.created and order.updated, REST API v3 order
objects) read as a Change.

The order's status maps to Tessera's (the shop may override): pending and on-hold are
CREATED, processing PAID, completed COMPLETED; refunded and cancelled refund whatever is not
refunded yet; failed and drafts change nothing. A line's price is its total after the
order's discounts (before tax) over its quantity; its SKU, or `product-<id>` when the
product has none; its product line the `category` meta data when the shop adds it (order
payloads carry no product categories). Partial refunds: WooCommerce's order payload lists a
refund's amount, not its lines, so they are left to refundPurchase (the log says so)."""

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

TOPICS = ("order.created", "order.updated")
STATUSES = {
    "pending": "CREATED",
    "on-hold": "CREATED",
    "processing": "PAID",
    "completed": "COMPLETED",
    "refunded": "REFUND",
    "cancelled": "REFUND",
    "failed": "IGNORE",
    "checkout-draft": "IGNORE",
}
_CATEGORY_KEYS = ("category", "_category", "product_category")


def read(topic: str, body: dict[str, Any], overrides: Mapping[str, str]) -> Change:
    if topic not in TOPICS:
        return Change(Action.IGNORE, topic, reason=f"Topic {topic!r} is not an order's.")
    order_id = text_of(body.get("id"), "id")
    status = text_of(body.get("status"), "status")
    assert status is not None
    mapped = mapped_status(STATUSES, overrides, status)
    if mapped == "IGNORE":
        return Change(Action.IGNORE, topic, order_id, reason=f"Status {status!r} is ignored.")
    if mapped == "REFUND":
        return Change(Action.REFUND, topic, order_id, refund_id=f"{order_id}-{status}")
    currency = text_of(body.get("currency"), "currency") or ""
    when = body.get("date_paid_gmt") or body.get("date_created_gmt")
    refunds = body.get("refunds") or []
    return Change(
        Action.RECORD,
        topic,
        order_id,
        status=PurchaseStatus(mapped),
        lines=_lines(list_at(body.get("line_items"), "line_items"), currency),
        occurred_at=moment(when, "date_created_gmt"),
        customer=_customer(body),
        reason=(
            f"{len(refunds)} partial refund(s) listed without lines: not applied."
            if isinstance(refunds, list) and refunds
            else ""
        ),
    )


def _lines(items: list[Any], currency: str) -> list[Line]:
    lines = []
    for i, raw in enumerate(items):
        item = object_at(raw, f"line_items.{i}")
        quantity = quantity_of(item.get("quantity"), f"line_items.{i}.quantity")
        total = minor_units(item.get("total"), currency, f"line_items.{i}.total")
        if total < 0:
            raise PayloadError(f"line_items.{i}.total: a line's total is not negative.")
        sku = text_of(item.get("sku"), f"line_items.{i}.sku", required=False)
        if sku is None:
            sku = f"product-{text_of(item.get('product_id'), f'line_items.{i}.product_id')}"
        category = _category(item, f"line_items.{i}.meta_data")
        lines.append(Line(sku, quantity, unit_price(total, quantity), False, category))
    return lines


def _category(item: dict[str, Any], where: str) -> str | None:
    metas = item.get("meta_data")
    for meta in [] if metas is None else list_at(metas, where):
        if isinstance(meta, dict) and meta.get("key") in _CATEGORY_KEYS:
            value = meta.get("value")
            if isinstance(value, str) and value:
                return value
    return None


def _customer(body: dict[str, Any]) -> PlatformCustomer:
    billing = body.get("billing") if isinstance(body.get("billing"), dict) else {}
    assert isinstance(billing, dict)
    customer_id = body.get("customer_id")
    return PlatformCustomer(
        platform_id=None if customer_id in (None, 0, "0", "") else text_of(customer_id, "id"),
        email=_optional(billing.get("email")),
        first_name=_optional(billing.get("first_name")),
        last_name=_optional(billing.get("last_name")),
        phone=_optional(billing.get("phone")),
    )


def _optional(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
