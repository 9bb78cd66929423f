"""Checking a purchases file's rows and orders, no database: exact prices, the header's
price column, times with and without offsets, and any text in the fields either a good
row or one refused with its line."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.imports.formats import ColumnMapping, FormatError, ImportKind
from domain.imports.purchase_rows import OrderBook, check_purchase_rows
from domain.imports.reading import CsvFile
from domain.imports.rows import RowProblem, Staged

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
HEADER = "order_id,customer_ref,occurred_at,sku,quantity,unit_price"


def check(
    tmp_path: Path, body: str, header: str = HEADER
) -> tuple[list[tuple[int, Staged]], list[RowProblem]]:
    path = tmp_path / "sales.csv"
    path.write_text(f"{header}\n{body}", encoding="utf-8")
    csv_file = CsvFile(path, ImportKind.PURCHASES, ColumnMapping())
    staged, problems = [], []
    for chunk in csv_file.chunks(100):
        good, bad = check_purchase_rows(chunk.rows, csv_file.headers, NOW)
        staged += good
        problems += chunk.problems + bad
    return staged, problems


@pytest.mark.parametrize(
    ("price", "minor"),
    [("0.29", 29), ("12.5", 1250), ("12", 1200), ("0.07", 7), ("99999999999999.99", None)],
)
def test_decimal_prices_convert_exactly(tmp_path: Path, price: str, minor: int | None) -> None:
    staged, problems = check(tmp_path, f"O1,C1,2025-03-01,A,1,{price}\n")
    if minor is None:  # over the API's money limit
        assert [(p.column, p.code) for p in problems] == [("unit_price", "OUT_OF_RANGE")]
    else:
        assert problems == [] and staged[0][1][8] == minor


@pytest.mark.parametrize("price", ["1.005", "-1.00", "1,50", "1e2", "€1", ".5", "NaN", "١٢"])
def test_other_prices_are_refused(tmp_path: Path, price: str) -> None:
    staged, problems = check(tmp_path, f'O1,C1,2025-03-01,A,1,"{price}"\n')
    assert staged == [] and [(p.line, p.column) for p in problems] == [(2, "unit_price")]


@pytest.mark.parametrize(
    ("occurred_at", "utc", "code"),
    [
        ("2025-03-01T10:30:00+01:00", datetime(2025, 3, 1, 9, 30, tzinfo=UTC), None),
        ("2025-03-01T09:30:00Z", datetime(2025, 3, 1, 9, 30, tzinfo=UTC), None),
        ("2025-03-01", datetime(2025, 3, 1, tzinfo=UTC), None),
        ("2026-12-07T11:59:00Z", datetime(2026, 12, 7, 11, 59, tzinfo=UTC), None),
        ("2026-12-07T12:01:00Z", None, "OUT_OF_RANGE"),  # a minute in the future
        ("2025-03-01T10:30:00", None, "INVALID"),  # no offset
        ("01/03/2025", None, "INVALID"),
        ("0001-01-01", None, "OUT_OF_RANGE"),
    ],
)
def test_times_need_an_offset_and_a_past(
    tmp_path: Path, occurred_at: str, utc: datetime | None, code: str | None
) -> None:
    staged, problems = check(tmp_path, f"O1,C1,{occurred_at},A,1,1.00\n")
    assert [p.code for p in problems] == ([] if code is None else [code])
    if utc is not None:
        assert staged[0][1][3] == utc


@pytest.mark.parametrize(
    "header",
    [
        "order_id,customer_ref,occurred_at,sku,quantity",  # no price
        HEADER + ",unit_price_minor",  # two prices
        "order_id,customer_ref,sku,quantity,unit_price",  # no occurred_at
    ],
)
def test_a_header_without_exactly_one_price_or_a_required_column_refuses_the_file(
    tmp_path: Path, header: str
) -> None:
    with pytest.raises(FormatError):
        check(tmp_path, "", header)


def test_an_order_over_the_line_cap_is_refused_from_its_501st_line(tmp_path: Path) -> None:
    body = "".join(f"O1,C1,2025-03-01,S{i},1,1.00\n" for i in range(501))
    staged, problems = check(tmp_path, body)
    numbered, refused = OrderBook({}).add(staged)
    assert problems == [] and len(staged) == 501
    assert len(numbered) == 500 and [p.line for p in refused] == [502]
    assert {values[0] for _, values in numbered} == {1}


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.lists(
        st.text(alphabet=st.characters(codec="utf-8"), max_size=30), min_size=6, max_size=6
    )
)
def test_any_text_in_the_fields_is_good_or_refused(tmp_path: Path, fields: list[str]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(fields)
    path = tmp_path / "any.csv"
    path.write_bytes(f"{HEADER}\n".encode() + buffer.getvalue().encode("utf-8", "surrogatepass"))
    csv_file = CsvFile(path, ImportKind.PURCHASES, ColumnMapping())
    for chunk in csv_file.chunks(10):
        staged, problems = check_purchase_rows(chunk.rows, csv_file.headers, NOW)
        numbered, refused = OrderBook(csv_file.headers).add(staged)
        assert all(p.line >= 2 and p.reason for p in chunk.problems + problems + refused)
        assert len(numbered) + len(refused) == len(staged)
