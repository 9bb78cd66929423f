"""Checking one row of an import file: the same rules the API applies (the customers
area's clean_customer_fields), plus the opening balance's; a row is staged as checked
values or reported as problems, with its line, never half."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from domain.customers.validation import clean_customer_fields
from domain.errors import ErrorCode, Problems
from domain.imports.formats import ImportKind
from domain.limits import BALANCE_CEILING

# The columns of import_rows that COPY writes, in order (after job_id and line).
STAGED_COLUMNS = (
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
    "expires_at",
)
_CUSTOMER_FIELDS = STAGED_COLUMNS[:10]
# The last day a lot may be given to expire on (its lot then expires at 00:00 UTC the day
# after, as validity.py's rule says of every lot).
LAST_EXPIRY_DAY = date(2999, 12, 31)
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})
_POINTS = re.compile(r"^[0-9]{1,10}$")
# Bytes that were not UTF-8, as Python's surrogateescape reads them; and NUL, which
# PostgreSQL's text cannot hold.
UNREADABLE = re.compile("[\udc80-\udcff\x00]")


@dataclass(frozen=True)
class RowProblem:
    """Why a row was refused: its line, the file's column (None: the whole row)."""

    line: int
    column: str | None
    code: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "code": self.code, "reason": self.reason}


Staged = tuple[Any, ...]  # STAGED_COLUMNS' values, in order


def check_row(
    kind: ImportKind,
    line: int,
    values: Mapping[str, str],
    headers: Mapping[str, str],
    today: date,
) -> Staged | list[RowProblem]:
    """The staged values of one row (our column -> its text, blank when absent), or its
    problems. `headers` names our columns as the file does (for the report); `today`
    (UTC) bounds the dates."""
    problems = Problems()
    if unreadable := unreadable_field(line, values, headers):
        return unreadable
    # A blank field is no value, as null is in the API.
    given = {name: values.get(name, "") for name in _CUSTOMER_FIELDS}
    if not given["external_ref"].strip():
        problems.add("externalRef", ErrorCode.REQUIRED, "Every row needs an external_ref.")
    customer: dict[str, Any] = {"external_ref": given["external_ref"]}
    if kind is ImportKind.CUSTOMERS:
        customer.update((name, given[name].strip() or None) for name in _CUSTOMER_FIELDS[1:8])
        for name in ("consent_email", "consent_sms"):
            customer[name] = parse_boolean(problems, name, given[name])
    clean = clean_customer_fields(problems, customer)
    points = _points(problems, values.get("points", ""))
    expires_at = _expiry(problems, values.get("points_expire_on", ""), points, today)
    if problems.items:
        return [
            RowProblem(
                line, headers.get(_column(p.field), _column(p.field)), p.code.value, p.message
            )
            for p in problems.items
        ]
    return (
        *(clean.get(name) for name in _CUSTOMER_FIELDS[:8]),
        clean.get("consent_email", False) if kind is ImportKind.CUSTOMERS else None,
        clean.get("consent_sms", False) if kind is ImportKind.CUSTOMERS else None,
        points,
        expires_at,
    )


def unreadable_field(
    line: int, values: Mapping[str, str], headers: Mapping[str, str]
) -> list[RowProblem]:
    """The problem of a row's first field that is not UTF-8 text or holds NUL (none: [])."""
    for name, value in values.items():
        if UNREADABLE.search(value):
            return [
                RowProblem(
                    line,
                    headers.get(name, name),
                    ErrorCode.INVALID.value,
                    "Not UTF-8 text, or holds a NUL character.",
                )
            ]
    return []


def _column(field: str | None) -> str:
    """Our column for an API field name (externalRef -> external_ref)."""
    if field is None:
        return ""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", field).lower()


def parse_boolean(problems: Problems, name: str, text: str) -> bool:
    """true/false, 1/0, yes/no (blank: false); a problem on `name` otherwise."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        problems.add(
            name, ErrorCode.INVALID, "Give true or false (or 1/0, yes/no; blank is false)."
        )
    return False


def _points(problems: Problems, text: str) -> int:
    value = text.strip()
    if not value:
        return 0
    if not _POINTS.match(value) or int(value) > BALANCE_CEILING:
        problems.add(
            "points",
            ErrorCode.OUT_OF_RANGE if value.isdigit() else ErrorCode.INVALID,
            f"Points are a whole number from 0 to {BALANCE_CEILING}.",
        )
        return 0
    return int(value)


def _expiry(problems: Problems, text: str, points: int, today: date) -> datetime | None:
    """When the opening's lot expires: 00:00 UTC the day after the date given (the end of
    that day, as every lot's expiry is); None (blank): as the program's validity says."""
    value = text.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        problems.add("pointsExpireOn", ErrorCode.INVALID, "A date is YYYY-MM-DD.")
        return None
    if points == 0:
        problems.add("pointsExpireOn", ErrorCode.INVALID, "An expiry date needs points.")
    elif not today <= day <= LAST_EXPIRY_DAY:
        problems.add(
            "pointsExpireOn",
            ErrorCode.OUT_OF_RANGE,
            f"Points expire from today to {LAST_EXPIRY_DAY.isoformat()}: points already "
            "expired are not carried over.",
        )
        return None
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def check_rows(
    kind: ImportKind,
    rows: Sequence[tuple[int, Sequence[str]]],
    headers: Mapping[str, str],
    today: date,
) -> tuple[list[tuple[int, Staged]], list[RowProblem]]:
    """check_row over a chunk (what a worker process runs): the staged rows with their
    lines, and every problem. A row's fields are in the order of `headers`' keys. A
    purchases file's rows are purchase_rows' to check (against the time now, not `today`:
    a sale imported is not in the future)."""
    if kind is ImportKind.PURCHASES:
        from domain.imports.purchase_rows import check_purchase_rows

        return check_purchase_rows(rows, headers, datetime.now(UTC))
    staged: list[tuple[int, Staged]] = []
    problems: list[RowProblem] = []
    columns = tuple(headers)
    for line, fields in rows:
        result = check_row(kind, line, dict(zip(columns, fields, strict=True)), headers, today)
        if isinstance(result, list):
            problems.extend(result)
        else:
            staged.append((line, result))
    return staged, problems
