"""Checks on purchase and refund input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_LINE_QUANTITY, MAX_MONEY_MINOR, MAX_ORDER_LINES
from domain.purchases.earning import Line
from domain.validation import optional_text, required_text


@dataclass(frozen=True)
class RefundLine:
    sku: str
    quantity: int


def check_lines(problems: Problems, lines: list[Line]) -> list[Line]:
    if not lines:
        problems.add("lines", ErrorCode.REQUIRED, "An order has at least one line.")
    if len(lines) > MAX_ORDER_LINES:
        problems.add("lines", ErrorCode.OUT_OF_RANGE, f"At most {MAX_ORDER_LINES} lines.")
        return []
    clean: list[Line] = []
    for i, line in enumerate(lines):
        sku = required_text(problems, f"lines.{i}.sku", line.sku, 100)
        if not 0 < line.quantity <= MAX_LINE_QUANTITY:
            problems.add(
                f"lines.{i}.quantity",
                ErrorCode.OUT_OF_RANGE,
                f"A quantity is 1 to {MAX_LINE_QUANTITY}.",
            )
        if not 0 <= line.unit_price_minor <= MAX_MONEY_MINOR:
            problems.add(
                f"lines.{i}.unitPriceMinor",
                ErrorCode.OUT_OF_RANGE,
                f"A unit price is 0 to {MAX_MONEY_MINOR} minor units.",
            )
        product_line = optional_text(problems, f"lines.{i}.productLine", line.product_line, 100)
        clean.append(Line(sku, line.quantity, line.unit_price_minor, line.discounted, product_line))
    if not problems.items and sum(ln.amount_minor for ln in clean) > MAX_MONEY_MINOR:
        problems.add("lines", ErrorCode.OUT_OF_RANGE, "The order total is too large.")
    return clean


def check_occurred_at(problems: Problems, occurred_at: datetime | None) -> datetime:
    if occurred_at is None:
        return datetime.now(UTC)
    if occurred_at.tzinfo is None:
        problems.add("occurredAt", ErrorCode.INVALID, "Give a time with its UTC offset.")
        return datetime.now(UTC)
    return occurred_at.astimezone(UTC)


def check_refund_lines(
    problems: Problems, lines: list[RefundLine] | None
) -> list[RefundLine] | None:
    if lines is None:
        return None
    if not lines:
        problems.add("lines", ErrorCode.REQUIRED, "Give the lines to refund, or none for all.")
    for i, line in enumerate(lines):
        required_text(problems, f"lines.{i}.sku", line.sku, 100)
        if not 0 < line.quantity <= MAX_LINE_QUANTITY:
            problems.add(
                f"lines.{i}.quantity",
                ErrorCode.OUT_OF_RANGE,
                f"A quantity is 1 to {MAX_LINE_QUANTITY}.",
            )
    return lines
