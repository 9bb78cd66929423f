"""GET /cards/{code}.png|.svg (a card's barcode, Code 128 or EAN-13) for the till's staff
and for a customer's own cards; GET /cards/series/{id}.csv (a series' cards for a card
printer) for managers. Bad input is a 400 naming it, never a 500."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from PIL import Image

from domain.cards.exports import EXPORT_COLUMNS
from tests.support.api import GraphQLClient, customer_token

CREATE = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } } }"""
SERIES = """mutation($input: CreateCardSeriesInput!) {
  createCardSeries(input: $input) { series { id } userErrors { code } } }"""
ISSUE = """mutation($input: IssueCardInput!) {
  issueCard(input: $input) { card { code } userErrors { code } } }"""
REPLACE = """mutation($input: ReplaceCardInput!) {
  replaceCard(input: $input) { card { code } userErrors { code } } }"""
EAN = "4006381333931"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def customer(gql: GraphQLClient, card: str, ref: str, first: str = "Ann") -> str:
    data = await gql.data(
        CREATE,
        {"input": {"cardCode": card, "externalRef": ref, "firstName": first,
                   "lastName": "Archer", "idempotencyKey": ref}},
    )  # fmt: skip
    return str(data["createCustomer"]["customer"]["id"])


async def test_a_card_is_drawn_as_ean13_or_code128_in_svg_and_png(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    await customer(gql, EAN, "ann")
    await customer(gql, "CARD-B-1", "bob", "Bob")
    cashier = auth(tokens["cashier"])
    # An EAN-13 code is drawn as EAN-13 by default, its digits under the bars
    svg = await gql.http.get(f"/cards/{EAN}.svg", headers=cashier)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in svg.text and "4006381333931" in svg.text.replace(" ", "")
    # Any other code as Code 128; PNG is a real image
    png = await gql.http.get("/cards/CARD-B-1.png", headers=cashier)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.width > image.height > 0
    # Code 128 may be asked for an EAN-13 code; EAN-13 for another code is a 400 naming why
    forced = await gql.http.get(f"/cards/{EAN}.svg?symbology=code128", headers=cashier)
    assert forced.status_code == 200 and forced.content != svg.content
    refused = await gql.http.get("/cards/CARD-B-1.svg?symbology=ean13", headers=cashier)
    assert refused.status_code == 400
    error = refused.json()["errors"][0]
    assert error["extensions"]["field"] == "symbology" and "EAN-13" in error["message"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/cards/NOPE-1.svg", 404),
        ("/cards/CARD-B-1.gif", 404),
        ("/cards/" + "A" * 65 + ".svg", 400),
        ("/cards/CARD%00X.svg", 400),
        ("/cards/%20%20.svg", 400),
        ("/cards/CARD-B-1.svg?symbology=qr", 400),
        ("/cards/40063813339%C3%A9.png?symbology=code128", 400),
        ("/cards/4006381333932.svg?symbology=ean13", 400),  # wrong check digit
        ("/cards/series/abc.csv", 400),
        ("/cards/series/999.csv", 404),
        ("/cards/series/99999999999999999999999.csv", 400),
    ],
)
async def test_bad_input_is_refused_never_a_500(
    gql: GraphQLClient, tokens: dict[str, str], path: str, status: int
) -> None:
    await customer(gql, "CARD-B-1", "bob", "Bob")
    response = await gql.http.get(path, headers=auth(tokens["admin"]))
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND")


async def test_a_card_with_a_non_ascii_code_is_a_400_naming_symbology_when_drawn_by_default(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    """A card code may be any text without control characters (issueCard), but Code 128
    (the default for a code that is not an EAN-13) draws printable ASCII only: given a card
    CAFÉ-1, when its barcode is asked for without ?symbology, then it is a 400 naming
    symbology, as an explicit ?symbology=code128 is (docs/cards.md, "Barcode images"),
    never a 500."""
    made = await gql.data(
        CREATE, {"input": {"externalRef": "ann", "firstName": "Ann", "idempotencyKey": "ann"}}
    )
    customer_id = made["createCustomer"]["customer"]["id"]
    issued = await gql.data(
        ISSUE, {"input": {"customerId": customer_id, "code": "CAFÉ-1", "idempotencyKey": "i1"}}
    )
    assert issued["issueCard"]["userErrors"] == []
    cashier = auth(tokens["cashier"])
    for query in ("", "?symbology=code128"):
        response = await gql.http.get(f"/cards/{quote('CAFÉ-1')}.svg{query}", headers=cashier)
        assert response.status_code == 400, response.text
        error = response.json()["errors"][0]
        assert (error["extensions"]["field"], error["extensions"]["reason"]) == (
            "symbology",
            "INVALID",
        )
        assert "printable ASCII" in error["message"]


async def test_who_may_print_a_card(gql: GraphQLClient, tokens: dict[str, str]) -> None:
    await customer(gql, EAN, "ann")
    await customer(gql, "CARD-B-1", "bob", "Bob")
    path = f"/cards/{EAN}.svg"
    assert (await gql.http.get(path)).status_code == 401
    assert (await gql.http.get(path, headers=auth("not-a-token"))).status_code == 401
    # The caller is checked before the path and the query: without valid credentials, a
    # wrong symbology or another extension is a 401 too, not the 400 or 404 it would be
    # (docs/security.md, "Authentication": a token that does not verify is always counted
    # against the failed-authentication limit)
    for asked, headers in (
        ("/cards/CARD-B-1.svg?symbology=ean13", {}),
        ("/cards/CARD-B-1.svg?symbology=ean13", auth("tes_not-a-real-token")),
        ("/cards/CARD-B-1.gif", {}),
        ("/cards/NOPE-1.svg", {}),
    ):
        refused = await gql.http.get(asked, headers=headers)
        assert refused.status_code == 401, (asked, refused.text)
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Every staff role reads points (VIEW_POINTS); a customer only its own cards
    for role in ("viewer", "marketer", "cashier", "manager"):
        assert (await gql.http.get(path, headers=auth(tokens[role]))).status_code == 200
    ann = auth(customer_token("ann"))
    assert (await gql.http.get(path, headers=ann)).status_code == 200
    assert (await gql.http.get("/cards/CARD-B-1.svg", headers=ann)).status_code == 404
    # A replaced card's code is dead: not printed
    await gql.data(
        REPLACE, {"input": {"lostCode": "CARD-B-1", "newCode": "CARD-B-2", "idempotencyKey": "r"}}
    )
    dead = await gql.http.get("/cards/CARD-B-1.svg", headers=auth(tokens["cashier"]))
    assert dead.status_code == 400 and dead.json()["errors"][0]["extensions"]["reason"] == (
        "CARD_REPLACED"
    )


async def test_a_series_cards_download_for_the_card_printer(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    ann = await customer(gql, "CARD-A-1", "ann")
    made = await gql.data(
        SERIES,
        {"input": {"name": "Gold", "type": "DISCOUNT", "checkDigit": "EAN13", "prefix": "290",
                   "idempotencyKey": "gold"}},
    )  # fmt: skip
    series_id = made["createCardSeries"]["series"]["id"]
    codes = []
    for n in range(3):
        issued = await gql.data(
            ISSUE, {"input": {"customerId": ann, "seriesId": series_id, "idempotencyKey": f"g{n}"}}
        )
        codes.append(issued["issueCard"]["card"]["code"])
    path = f"/cards/series/{series_id}.csv"
    assert (await gql.http.get(path, headers=auth(tokens["cashier"]))).status_code == 403
    response = await gql.http.get(path, headers=auth(tokens["manager"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    found = [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [r["code"] for r in found] == codes
    assert {(r["type"], r["status"], r["customer_name"], r["customer_external_ref"])
            for r in found} == {("DISCOUNT", "ACTIVE", "Ann Archer", "ann")}  # fmt: skip
    assert all(r["issued_at"].startswith("20") for r in found)
