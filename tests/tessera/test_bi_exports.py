"""GET /exports/{roi,cohorts,top-products,card-types}.csv: the BI reports as CSV for staff
with READ_REPORTS, the same figures as the API, bad parameters named."""

from __future__ import annotations

import csv
import io

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.bi_exports import ROI_COLUMNS
from tests.support.api import GraphQLClient
from tests.support.roi_seed import MAY, seed_roi_example

PERIOD = {"since": "2026-05-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def table(body: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(body)))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


async def test_the_roi_and_cohorts_download(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    await seed_roi_example(clean_db)
    assert MAY.since

    roi = await gql.http.get("/exports/roi.csv", params=PERIOD, headers=auth(tokens["viewer"]))

    assert roi.status_code == 200 and roi.headers["content-type"] == "text/csv; charset=utf-8"
    assert roi.text.splitlines()[0] == ",".join(ROI_COLUMNS)
    rows = table(roi.text)
    assert [(r["shop"], r["channel"], r["revenue_minor"]) for r in rows] == [
        ("A", "POS", "12000"),
        ("A", "WEB", "5000"),
        ("B", "POS", "3000"),
        ("C", "", "0"),
        ("(all)", "(all)", "20000"),
    ]
    assert (rows[-1]["cost_minor"], rows[-1]["roi"], rows[-1]["repeat_rate"]) == (
        "1215",
        "13.1317",
        "0.6667",
    )
    cohorts = await gql.http.get(
        "/exports/cohorts.csv",
        params={"since": "2026-05-01T00:00:00Z", "until": "2026-06-01T00:00:00Z", "months": "0"},
        headers=auth(tokens["viewer"]),
    )
    assert table(cohorts.text) == [
        {
            "cohort_start": "2026-05-01T00:00:00+00:00",
            "customers": "2",
            "month": "0",
            "buyers": "1",
            "retention": "0.5000",
            "earned": "100",
            "spent": "0",
            "expired": "0",
        }
    ]
    rfm = await gql.http.get("/exports/rfm.csv", headers=auth(tokens["viewer"]))
    assert table(rfm.text)[0] == {"group": "segment", "key": "Champions", "customers": "0"}
    assert len(table(rfm.text)) == 8 + 15
    cards = await gql.http.get("/exports/card-types.csv", headers=auth(tokens["viewer"]))
    assert [r["type"] for r in table(cards.text)] == [
        "POINTS",
        "DISCOUNT",
        "CURRENT_DISCOUNT",
        "PRIZE",
    ]


async def test_refusals(gql: GraphQLClient, tokens: dict[str, str]) -> None:
    nobody = await gql.http.get("/exports/roi.csv", params=PERIOD)
    assert nobody.status_code == 401
    cashier = await gql.http.get("/exports/roi.csv", params=PERIOD, headers=auth(tokens["cashier"]))
    assert cashier.status_code == 403
    missing = await gql.http.get(
        "/exports/roi.csv", params={"since": PERIOD["since"]}, headers=auth(tokens["viewer"])
    )
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["extensions"]["field"] == "until"
    bad = await gql.http.get(
        "/exports/top-products.csv",
        params={**PERIOD, "by": "COLOUR"},
        headers=auth(tokens["viewer"]),
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["extensions"]["field"] == "by"
