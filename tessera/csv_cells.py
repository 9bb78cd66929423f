"""A value as a CSV cell, for every CSV Tessera writes (the HTTP exports, the import
command's report): a cell a spreadsheet would read as a formula (CSV injection) is written
as text."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """`value` as a cell's text: none is empty, a moment ISO 8601, a number as it is (a
    negative one too: data, never a formula), and text that starts like a formula behind
    a `'`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
