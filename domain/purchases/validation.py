"""Checks on purchase and refund input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_LINE_QUANTITY
from domain.purchases.earning import Line
from domain.validation import check_line_items, check_moment, moment_out_of_range, required_text

# The channels a purchase is made through.
CHANNELS = ("POS", "WEB", "INVOICE")


def check_channel(problems: Problems, channel: str) -> None:
    """A purchase's channel is one of CHANNELS."""
    if channel not in CHANNELS:
        problems.add("channel", ErrorCode.INVALID, f"One of {', '.join(CHANNELS)}.")


@dataclass(frozen=True)
class RefundLine:
    sku: str
    quantity: int


def check_lines(problems: Problems, lines: list[Line]) -> list[Line]:
    """The order's lines, cleaned; problems named `lines.<i>.<input>`."""
    return check_line_items(problems, "lines", lines, "an order")


def check_occurred_at(problems: Problems, occurred_at: datetime | None) -> datetime:
    if occurred_at is None:
        return datetime.now(UTC)
    if occurred_at.tzinfo is None:
        problems.add("occurredAt", ErrorCode.INVALID, "Give a time with its UTC offset.")
        return datetime.now(UTC)
    if moment_out_of_range(occurred_at) is not None:
        check_moment(problems, "occurredAt", occurred_at)
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
