"""Strange CSV never breaks an import: every byte sequence is either a file refused whole
for its header (FormatError) or rows each good or refused with its line and a reason;
nothing raises anything else. No database: reading and checking only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.imports.formats import ColumnMapping, FormatError, ImportKind
from domain.imports.reading import MAX_FIELD_CHARS, CsvFile
from domain.imports.rows import RowProblem, check_rows

HEADER = b"external_ref,birth_date,points,points_expire_on\n"
TODAY = date(2026, 12, 6)


def read(
    tmp_path: Path, content: bytes, kind: ImportKind = ImportKind.CUSTOMERS
) -> tuple[int, list[RowProblem]]:
    """(rows good, problems) of a file with this content."""
    path = tmp_path / "strange.csv"
    path.write_bytes(content)
    csv_file = CsvFile(path, kind, ColumnMapping())
    good, problems = 0, []
    for chunk in csv_file.chunks(3):
        staged, refused = check_rows(kind, chunk.rows, csv_file.headers, TODAY)
        good += len(staged)
        problems += chunk.problems + refused
    return good, problems


def reasons(problems: list[RowProblem]) -> list[tuple[int, str | None, str]]:
    return [(p.line, p.column, p.code) for p in problems]


def test_nul_bytes_and_invalid_utf8_refuse_their_row_only(tmp_path: Path) -> None:
    content = HEADER + b"A1,,1,\nA\x002,,1,\nA3,,1,\n\xff\xfeA4,,1,\nA5,,1,\n"
    good, problems = read(tmp_path, content)
    assert good == 3
    assert reasons(problems) == [(3, "external_ref", "INVALID"), (5, "external_ref", "INVALID")]


def test_a_huge_field_is_refused_with_its_line(tmp_path: Path) -> None:
    huge = b"x" * (MAX_FIELD_CHARS + 10)
    long = b"y" * 300  # over the API's text limit, under the reader's
    content = HEADER + b"A1,,1,\n" + huge + b",,1,\n" + long + b",,1,\nA4,,1,\n"
    good, problems = read(tmp_path, content)
    assert good == 2
    assert [p.line for p in problems] == [3, 4]
    assert problems[1].code == "OUT_OF_RANGE"


def test_an_unterminated_quote_and_wrong_field_counts(tmp_path: Path) -> None:
    content = HEADER + b'A1,,1\nA2,,1,,extra\nA3,,1,\n"A4,,1,\n'
    good, problems = read(tmp_path, content)
    assert good == 1
    assert [(p.line, p.column) for p in problems] == [(2, None), (3, None), (5, None)]


@pytest.mark.parametrize(
    ("birth_date", "code"),
    [
        ("2024-02-29", None),
        ("2023-02-29", "INVALID"),
        ("1900-01-01", None),
        ("1899-12-31", "OUT_OF_RANGE"),
        ("0001-01-01", "OUT_OF_RANGE"),
        ("9999-12-31", "OUT_OF_RANGE"),
        ("2024-13-01", "INVALID"),
        ("29/02/2024", "INVALID"),
    ],
)
def test_birth_dates_at_the_calendar_edges(
    tmp_path: Path, birth_date: str, code: str | None
) -> None:
    _, problems = read(tmp_path, HEADER + f"A1,{birth_date},,\n".encode())
    assert [p.code for p in problems] == ([] if code is None else [code])


@pytest.mark.parametrize(
    ("expire_on", "code"),
    [
        ("2026-12-06", None),  # today: expires at the end of the day
        ("2026-12-05", "OUT_OF_RANGE"),
        ("2999-12-31", None),
        ("3000-01-01", "OUT_OF_RANGE"),
        ("9999-12-31", "OUT_OF_RANGE"),
        ("2028-02-29", None),
        ("2027-02-29", "INVALID"),
    ],
)
def test_expiry_dates_at_the_calendar_edges(
    tmp_path: Path, expire_on: str, code: str | None
) -> None:
    _, problems = read(tmp_path, HEADER + f"A1,,10,{expire_on}\n".encode())
    assert [p.code for p in problems] == ([] if code is None else [code])


def test_the_last_expiry_day_ends_at_midnight_utc_after_it() -> None:
    [(_, values)], _ = check_rows(
        ImportKind.BALANCES,
        [(2, ("A", "5", "2999-12-31"))],
        {name: name for name in ("external_ref", "points", "points_expire_on")},
        TODAY,
    )
    assert values[-1] == datetime(3000, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "points", ["-1", "1.5", "1e3", "1000000001", "99999999999999999999", "١٢", " 7x"]
)
def test_points_are_whole_numbers_within_the_ceiling(tmp_path: Path, points: str) -> None:
    good, problems = read(tmp_path, HEADER + f"A1,,{points},\n".encode())
    assert good == 0 and [p.column for p in problems] == ["points"]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n",
        b"a,b\n",
        b"external_ref,external_ref\n",
        b"\xff\xfe\x00\n",
        b"email\n",
        b'"external_ref\n',
        b'external_ref,"points"x\n',
    ],
)
def test_an_unreadable_header_refuses_the_file(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(FormatError):
        read(tmp_path, content)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=400))
def test_any_bytes_are_rows_good_or_refused(tmp_path: Path, body: bytes) -> None:
    try:
        good, problems = read(tmp_path, HEADER + body)
    except FormatError:
        return
    assert good >= 0
    assert all(p.line >= 2 and p.reason for p in problems)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.lists(
        st.text(alphabet=st.characters(codec="utf-8"), max_size=30), min_size=4, max_size=4
    )
)
def test_any_text_in_the_fields_is_good_or_refused(tmp_path: Path, fields: list[str]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerow(fields)
    good, problems = read(tmp_path, HEADER + buffer.getvalue().encode("utf-8", "surrogatepass"))
    assert good + len({p.line for p in problems}) >= 1 or not "".join(fields).strip()
