"""Checking a purchases file: each row (an order line) by the rules recordPurchase applies
(the purchases area's check_lines and check_occurred_at), and each order across its rows
(OrderBook: its rows agree on the order's customer, time, status and channel, and it has
no more lines and no larger total than the API takes). A row is staged as checked values
or reported as problems, with its line, never half."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.errors import ErrorCode, Problems
from domain.imports.rows import RowProblem, Staged, parse_boolean, unreadable_field
from domain.limits import MAX_MONEY_MINOR, MAX_ORDER_LINES
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.validation import check_channel, check_lines, check_occurred_at
from domain.validation import required_text

# The columns of import_rows a purchases row fills, in order (after job_id, line and
# order_no, which OrderBook gives); external_ref holds the customer's reference.
PURCHASE_STAGED_COLUMNS = (
    "external_ref",
    "order_id",
    "shop",
    "occurred_at",
    "status",
    "channel",
    "sku",
    "quantity",
    "unit_price_minor",
    "product_line",
    "discounted",
)
# An order's own fields: every row of the order must give the same (after defaults).
ORDER_FIELDS = ("external_ref", "occurred_at", "status", "channel")
MADE = (PurchaseStatus.PAID, PurchaseStatus.COMPLETED)
_INTEGER = re.compile(r"^[0-9]{1,16}$")
# A price in major units with at most two decimals (12, 12.5, 12.50): read by Decimal,
# never float, so 0.29 is 29 minor units exactly.
_DECIMAL_PRICE = re.compile(r"^[0-9]{1,14}(\.[0-9]{1,2})?$")
# check_lines names its problems lines.0.<input>: our columns for them.
_LINE_INPUTS = {"sku": "sku", "quantity": "quantity", "productLine": "product_line"}


def check_purchase_row(
    line: int, values: Mapping[str, str], headers: Mapping[str, str], now: datetime
) -> Staged | list[RowProblem]:
    """The staged values (PURCHASE_STAGED_COLUMNS) of one order line (our column -> its
    text, blank when absent), or its problems. `headers` names our columns as the file
    does; `now` bounds occurred_at (a sale is not in the future)."""
    if unreadable := unreadable_field(line, values, headers):
        return unreadable
    problems = Problems()
    given = {name: values.get(name, "") for name in headers}
    order_id = required_text(problems, "order_id", given["order_id"], 100)
    customer_ref = required_text(problems, "customer_ref", given["customer_ref"], 255)
    occurred_at = _occurred_at(problems, given["occurred_at"], now)
    status = _status(problems, given.get("status", ""))
    shop = required_text(problems, "shop", given.get("shop", "").strip() or "default", 100)
    channel = given.get("channel", "").strip().upper() or "POS"
    check_channel(problems, channel)
    quantity = _integer(problems, "quantity", given["quantity"])
    price_column = "unit_price_minor" if "unit_price_minor" in given else "unit_price"
    price = _price(problems, price_column, given[price_column])
    discounted = parse_boolean(problems, "discounted", given.get("discounted", ""))
    product_line = given.get("product_line", "")
    # A quantity or price already refused is checked no further (one problem each).
    line_item = Line(
        given["sku"],
        1 if quantity is None else quantity,
        0 if price is None else price,
        discounted,
        product_line or None,
    )
    lines = check_lines(problems, [line_item])
    if problems.items:
        return [
            RowProblem(
                line,
                headers.get(name, name),
                p.code.value,
                p.message,
            )
            for p in problems.items
            for name in [_column(p.field, price_column)]
        ]
    clean = lines[0]
    return (
        customer_ref,
        order_id,
        shop,
        occurred_at,
        status.value,
        channel,
        clean.sku,
        quantity,
        price,
        clean.product_line,
        discounted,
    )


def _column(field: str | None, price_column: str) -> str:
    """Our column for a problem's field (check_lines': lines.0.<input>)."""
    if field is None:
        return ""
    if field.startswith("lines.0."):
        name = field.removeprefix("lines.0.")
        return price_column if name == "unitPriceMinor" else _LINE_INPUTS.get(name, name)
    return "occurred_at" if field == "occurredAt" else field


def _occurred_at(problems: Problems, text: str, now: datetime) -> datetime:
    """An ISO 8601 date-time with its offset, or a date (00:00 UTC that day), by
    check_occurred_at's rules; not after `now`."""
    value = text.strip()
    if not value:
        problems.add("occurred_at", ErrorCode.REQUIRED, "Every row needs occurred_at.")
        return now
    try:
        moment = (
            datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
            if len(value) == 10
            else datetime.fromisoformat(value)
        )
    except ValueError:
        problems.add(
            "occurred_at",
            ErrorCode.INVALID,
            "A time is ISO 8601 with its offset (2025-03-01T10:30:00+01:00) or a date "
            "(2025-03-01, 00:00 UTC).",
        )
        return now
    before = len(problems.items)
    checked = check_occurred_at(problems, moment)
    if len(problems.items) == before and checked > now:
        problems.add("occurred_at", ErrorCode.OUT_OF_RANGE, "A sale imported is not in the future.")
    return checked


def _status(problems: Problems, text: str) -> PurchaseStatus:
    value = text.strip().upper() or PurchaseStatus.COMPLETED.value
    if value not in {s.value for s in MADE}:
        problems.add(
            "status", ErrorCode.INVALID, "PAID or COMPLETED (blank: COMPLETED): a sale made."
        )
        return PurchaseStatus.COMPLETED
    return PurchaseStatus(value)


def _integer(problems: Problems, name: str, text: str) -> int | None:
    value = text.strip()
    if not _INTEGER.match(value):
        problems.add(name, ErrorCode.INVALID, "A whole number (digits only).")
        return None
    return int(value)


def _price(problems: Problems, column: str, text: str) -> int | None:
    """The unit price in minor units: unit_price_minor as is, unit_price (12.50) times 100
    exactly."""
    value = text.strip()
    if column == "unit_price_minor":
        return _integer(problems, column, value)
    if not _DECIMAL_PRICE.match(value):
        problems.add(
            column,
            ErrorCode.INVALID,
            "A price is a number with at most 2 decimals and a point (12.50).",
        )
        return None
    try:
        return int(Decimal(value) * 100)
    except InvalidOperation:  # the pattern lets none through; kept for safety of reading
        problems.add(column, ErrorCode.INVALID, "A price is a number such as 12.50.")
        return None


def check_purchase_rows(
    rows: Sequence[tuple[int, Sequence[str]]], headers: Mapping[str, str], now: datetime
) -> tuple[list[tuple[int, Staged]], list[RowProblem]]:
    """check_purchase_row over a chunk (what a worker process runs)."""
    staged: list[tuple[int, Staged]] = []
    problems: list[RowProblem] = []
    columns = tuple(headers)
    for line, fields in rows:
        result = check_purchase_row(line, dict(zip(columns, fields, strict=True)), headers, now)
        if isinstance(result, list):
            problems.extend(result)
        else:
            staged.append((line, result))
    return staged, problems


@dataclass
class _Order:
    number: int  # in the file, by its first line
    first_line: int
    fields: tuple[Any, ...]  # ORDER_FIELDS' values on its first line
    lines: int
    total_minor: int


class OrderBook:
    """The orders of a file as its checked rows arrive (in file order, chunk by chunk): each
    row is numbered with its order, or refused when it disagrees with its order's first row
    or takes the order over the API's caps."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = headers
        self._orders: dict[tuple[str, str], _Order] = {}

    def __len__(self) -> int:
        return len(self._orders)

    def add(
        self, rows: Sequence[tuple[int, Staged]]
    ) -> tuple[list[tuple[int, Staged]], list[RowProblem]]:
        """The rows with their order's number first, and the problems of the others."""
        numbered: list[tuple[int, Staged]] = []
        problems: list[RowProblem] = []
        at = {name: PURCHASE_STAGED_COLUMNS.index(name) for name in ORDER_FIELDS}
        for line, values in rows:
            key = (values[2], values[1])  # (shop, order_id)
            fields = tuple(values[at[name]] for name in ORDER_FIELDS)
            amount = values[7] * values[8]
            order = self._orders.get(key)
            if order is None:
                order = _Order(len(self._orders) + 1, line, fields, 0, 0)
                self._orders[key] = order
            found = self._disagreements(line, order, fields, key[1])
            if not found and order.lines + 1 > MAX_ORDER_LINES:
                found = [
                    self._problem(
                        line, "order_id", f"An order has at most {MAX_ORDER_LINES} lines."
                    )
                ]
            if not found and order.total_minor + amount > MAX_MONEY_MINOR:
                found = [self._problem(line, "quantity", "The order total is too large.")]
            if found:
                problems += found
                continue
            order.lines += 1
            order.total_minor += amount
            numbered.append((line, (order.number, *values)))
        return numbered, problems

    def _disagreements(
        self, line: int, order: _Order, fields: tuple[Any, ...], order_id: str
    ) -> list[RowProblem]:
        ours = {"external_ref": "customer_ref"}
        return [
            self._problem(
                line,
                ours.get(name, name),
                f"Line {order.first_line} of order {order_id} has "
                f"{self._headers.get(ours.get(name, name), ours.get(name, name))} "
                f"{_text(first)}: every line of an order gives the same.",
            )
            for name, first, this in zip(ORDER_FIELDS, order.fields, fields, strict=True)
            if first != this
        ]

    def _problem(self, line: int, column: str, reason: str) -> RowProblem:
        return RowProblem(line, self._headers.get(column, column), ErrorCode.INVALID.value, reason)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
