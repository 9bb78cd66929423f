"""What an import file holds: its kind, its documented header, and the mapping file that
reads another header (a Dolibarr or WooCommerce export) as ours."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml


class ImportKind(StrEnum):
    CUSTOMERS = "CUSTOMERS"  # customers, each with an optional opening balance
    BALANCES = "BALANCES"  # opening balances of customers already registered
    PURCHASES = "PURCHASES"  # historical sales (order lines) of customers already registered


# Our columns, in the documented order; external_ref is required in every file.
CUSTOMER_COLUMNS = (
    "external_ref",
    "email",
    "phone",
    "first_name",
    "last_name",
    "locale",
    "time_zone",
    "birth_date",
    "consent_email",
    "consent_sms",
    "points",
    "points_expire_on",
)
BALANCE_COLUMNS = ("external_ref", "points", "points_expire_on")
# One row per order line; the rows of an order share shop and order_id.
PURCHASE_COLUMNS = (
    "order_id",
    "customer_ref",
    "occurred_at",
    "status",
    "shop",
    "channel",
    "sku",
    "quantity",
    "unit_price_minor",
    "unit_price",
    "product_line",
    "discounted",
)
COLUMNS: Mapping[ImportKind, Sequence[str]] = {
    ImportKind.CUSTOMERS: CUSTOMER_COLUMNS,
    ImportKind.BALANCES: BALANCE_COLUMNS,
    ImportKind.PURCHASES: PURCHASE_COLUMNS,
}
REQUIRED_COLUMNS: Mapping[ImportKind, Sequence[str]] = {
    ImportKind.CUSTOMERS: ("external_ref",),
    ImportKind.BALANCES: ("external_ref",),
    ImportKind.PURCHASES: ("order_id", "customer_ref", "occurred_at", "sku", "quantity"),
}
# A purchases file prices its lines with exactly one of these columns.
PRICE_COLUMNS = ("unit_price_minor", "unit_price")
MAX_MAPPING_BYTES = 65_536


class FormatError(Exception):
    """The file or the mapping cannot be read at all (no header, a column missing, a
    mapping that is not one): nothing is imported, whatever the rows hold."""


@dataclass(frozen=True)
class ColumnMapping:
    """Our column -> the header it has in the file (empty: the file uses our names), and
    the file's delimiter."""

    columns: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","

    def canonical(self) -> str:
        """A stable text of the mapping (part of an import's identity: the same file read
        with another mapping is another import)."""
        pairs = ";".join(f"{ours}={theirs}" for ours, theirs in sorted(self.columns.items()))
        return f"delimiter={self.delimiter!r};{pairs}"


def read_mapping(text: str, kind: ImportKind) -> ColumnMapping:
    """A mapping file's content (YAML: `columns: {our_name: "Their header"}`, optional
    `delimiter`), checked against `kind`'s columns; FormatError when it is not one."""
    if len(text.encode("utf-8", "surrogateescape")) > MAX_MAPPING_BYTES:
        raise FormatError(f"a mapping file is at most {MAX_MAPPING_BYTES} bytes")
    try:
        loaded: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FormatError(f"the mapping is not YAML: {error}") from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("columns"), dict):
        raise FormatError('a mapping is YAML with `columns: {our_name: "Their header"}`')
    ours = set(COLUMNS[kind])
    columns: dict[str, str] = {}
    for name, header in loaded["columns"].items():
        if name not in ours:
            raise FormatError(
                f"unknown column {name!r} in the mapping: {kind.value.lower()} files have "
                + ", ".join(COLUMNS[kind])
            )
        if not isinstance(header, str) or not header.strip():
            raise FormatError(f"the mapping of {name!r} is not a header name")
        columns[name] = header.strip()
    delimiter = loaded.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise FormatError("a delimiter is one character (such as , or ;)")
    return ColumnMapping(columns, delimiter)


def header_positions(
    header: Sequence[str], kind: ImportKind, mapping: ColumnMapping
) -> dict[str, int]:
    """Our column -> its position in the file's header. Without a mapping the header must
    use our names only (an unknown one is likely a typo); with one, the file's other
    columns are ignored (an export has many). FormatError when a required column or a
    mapped header is missing, or a header repeats."""
    names = [name.strip() for name in header]
    if len(set(names)) != len(names):
        raise FormatError("a column name repeats in the header")
    position = {name: i for i, name in enumerate(names)}
    found: dict[str, int] = {}
    if mapping.columns:
        for ours, theirs in mapping.columns.items():
            if theirs not in position:
                raise FormatError(f"the header has no column {theirs!r} (mapped to {ours})")
            found[ours] = position[theirs]
    else:
        unknown = [name for name in names if name not in COLUMNS[kind]]
        if unknown:
            raise FormatError(
                f"unknown column(s) {', '.join(map(repr, unknown))}: {kind.value.lower()} "
                f"files have {', '.join(COLUMNS[kind])} (or give a mapping file)"
            )
        found = {name: position[name] for name in names}
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in found]
    if missing:
        raise FormatError(f"the header has no {', '.join(missing)} column")
    if kind is ImportKind.PURCHASES and sum(name in found for name in PRICE_COLUMNS) != 1:
        # Two prices could disagree, and none is no sale: refuse the file, not each row.
        raise FormatError("the header has exactly one of unit_price_minor and unit_price")
    return found
