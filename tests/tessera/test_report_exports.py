"""GET /exports/ledger-movements.csv: the movements report's rows with the same filter,
streamed, for staff with READ_REPORTS only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.reports.movements import EXPORT_COLUMNS
from tests.support.api import GraphQLClient, customer_token
from tests.support.reports import Row, new_customer, write_entries

PATH = "/exports/ledger-movements.csv"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def at(day: int) -> datetime:
    return datetime(2026, 5, day, 12, tzinfo=UTC)


async def test_the_filtered_movements_download_newest_first_with_formulas_as_text(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    # Given Ann's credits and a debit whose note a spreadsheet would take for a formula
    ann = await new_customer(clean_db, "ann-42")
    ids = await write_entries(
        clean_db,
        ann,
        [
            Row("MANUAL", 100, at(1), note="welcome"),
            Row("MANUAL", -20, at(2), note="=HYPERLINK(evil)"),
            Row("PURCHASE", 30, at(3), source_type="purchase"),
        ],
    )

    # When a viewer downloads Ann's manual movements of May
    params = {
        "customerId": str(ann),
        "kinds": "MANUAL",
        "since": "2026-05-01T00:00:00Z",
        "until": "2026-06-01T00:00:00Z",
    }
    response = await gql.http.get(PATH, params=params, headers=auth(tokens["viewer"]))

    # Then they get both, newest first; the negative points stay a number, the note is text
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    found = [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [(r["id"], r["points"], r["note"]) for r in found] == [
        (str(ids[1]), "-20", "'=HYPERLINK(evil)"),
        (str(ids[0]), "100", "welcome"),
    ]
    first = found[-1]
    assert (first["customer_external_ref"], first["kind"], first["balance_after"]) == (
        "ann-42",
        "MANUAL",
        "100",
    )
    assert datetime.fromisoformat(first["created_at"]) == at(1)


async def test_a_large_ledger_streams_in_chunks(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    # Given 20,000 entries (written set-based)
    ann = await new_customer(clean_db, "ann")
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO ledger_entries (customer_id, points, balance_after, kind, actor) "
                "SELECT :c, 1, n, 'MANUAL', 'test' FROM generate_series(1, 20000) n"
            ),
            {"c": ann},
        )
    lines, chunks = 0, 0
    async with gql.http.stream("GET", PATH, headers=auth(tokens["admin"])) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        async for chunk in response.aiter_text():
            chunks += 1
            lines += chunk.count("\n")
    assert lines == 20_001
    assert chunks > 1


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("tes_not-a-token", 401), ("cashier", 403), ("customer", 403), ("marketer", 200)],
)
async def test_only_staff_who_read_reports_may_download(
    gql: GraphQLClient, tokens: dict[str, str], who: str | None, status: int
) -> None:
    token = customer_token("anyone") if who == "customer" else tokens.get(who or "", who)
    response = await gql.http.get(PATH, headers=auth(token) if token else {})
    assert response.status_code == status
    if status != 200:
        assert "customer_id" not in response.text
        codes = {401: "UNAUTHENTICATED", 403: "FORBIDDEN"}
        assert response.json()["errors"][0]["extensions"]["code"] == codes[status]


@pytest.mark.parametrize(
    ("params", "named", "reason"),
    [
        ({"since": "yesterday"}, "since", "INVALID"),
        ({"since": "2026-05-02T00:00:00Z", "until": "2026-05-01T00:00:00Z"}, "until", "INVALID"),
        ({"kinds": "MANUAL,NOPE"}, "kinds.1", "INVALID"),
        ({"minPoints": "ten"}, "minPoints", "INVALID"),
        ({"customerId": "abc"}, "customerId", "INVALID"),
        # Each of these used to answer 200 with the header, then abort the stream.
        ({"minPoints": "99999999999999999999"}, "minPoints", "OUT_OF_RANGE"),
        ({"maxPoints": "-99999999999999999999"}, "maxPoints", "OUT_OF_RANGE"),
        ({"reason": "\x00"}, "reason", "INVALID"),
        ({"sourceType": "a\x00b"}, "sourceType", "INVALID"),
        ({"since": "0001-01-01T00:00:00+14:00"}, "since", "OUT_OF_RANGE"),
        ({"until": "9999-12-31T23:59:59-14:00"}, "until", "OUT_OF_RANGE"),
        ({"customerId": "9" * 30}, "customerId", "INVALID"),
    ],
)
async def test_a_bad_filter_is_a_400_naming_the_parameter_before_any_row(
    gql: GraphQLClient, tokens: dict[str, str], params: dict[str, str], named: str, reason: str
) -> None:
    response = await gql.http.get(PATH, params=params, headers=auth(tokens["admin"]))
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"].startswith(f"{named}:")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": named, "reason": reason}


@pytest.mark.parametrize(
    ("batch_id", "status", "code"),
    [("99999999999999999999", 400, "BAD_USER_INPUT"), ("424242", 404, "NOT_FOUND")],
)
async def test_a_bad_voucher_batch_id_is_refused_before_any_row(
    gql: GraphQLClient, tokens: dict[str, str], batch_id: str, status: int, code: str
) -> None:
    response = await gql.http.get(
        f"/exports/voucher-batches/{batch_id}.csv", headers=auth(tokens["admin"])
    )
    assert response.status_code == status
    (error,) = response.json()["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, "batchId")
