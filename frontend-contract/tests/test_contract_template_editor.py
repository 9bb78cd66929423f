"""The template editor's own operations, with a marketer token: the shortcode palette is the
server's registry, and the live preview renders the content being edited (not saved) for a
real customer, or names what is wrong with it on the field a save would name, writing
nothing either way."""

from __future__ import annotations

from typing import Any

from contract_support import operation, run
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from notifications.templates import SHORTCODES
from tests.support.api import GraphQLClient, error_codes
from tests.support.loyalty import CREATE_CUSTOMER, CREDIT


async def _giulia(gql: GraphQLClient, points: int) -> str:
    """An Italian customer with `points`."""
    customer = {"firstName": "Giulia", "locale": "it-IT", "idempotencyKey": "giulia"}
    created = await gql.data(CREATE_CUSTOMER, {"input": customer})
    cid: str = created["createCustomer"]["customer"]["id"]
    await gql.data(CREDIT, {"id": cid, "points": points, "key": "giulia"})
    return cid


def _draft(customer_id: str, **parts: str) -> dict[str, Any]:
    english = {"locale": "en-US", "subject": "Hi [first_name]", "textBody": "You have [points]"}
    italian = {"locale": "it-IT", "subject": "Ciao [first_name]", "textBody": "Hai [points] punti"}
    return {
        "input": {
            "channel": "EMAIL",
            "fallbackLocale": "en-US",
            "customerId": customer_id,
            "translations": [english, {**italian, **parts}],
        }
    }


async def _preview(client: GraphQLClient, variables: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = (await run(client, "marketer/PreviewTemplateDraft", variables))[
        "previewTemplateDraft"
    ]
    return found


async def test_the_palette_lists_every_shortcode_the_server_renders(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    listed = (await run(marketer, "marketer/MessageShortcodes"))["messageShortcodes"]
    assert [s["name"] for s in listed] == list(SHORTCODES)
    points = next(s for s in listed if s["name"] == "points")
    assert points == {
        "name": "points",
        "code": "[points]",
        "kind": "NUMBER",
        "meaning": "the customer's points balance",
        "example": "1,234",
    }
    assert {s["kind"] for s in listed} == {"TEXT", "NUMBER", "DATE", "MONEY", "URL"}


async def test_an_edited_template_is_previewed_for_a_customer_before_it_is_saved(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    marketer = gql.as_(tokens["marketer"])
    cid = await _giulia(gql, 2500)
    # Given the body being edited with a shortcode just inserted
    edited = _draft(cid, textBody="Hai [points] punti, [first_name]")
    # When it is previewed for Giulia (her own locale, it-IT)
    shown = await _preview(marketer, edited)
    # Then it reads in Italian, with her real balance formatted for Italy
    assert (shown["locale"], shown["subject"], shown["textBody"]) == (
        "it-IT",
        "Ciao Giulia",
        "Hai 2.500 punti, Giulia",
    )
    assert shown["htmlBody"] == "" and shown["problems"] == []
    # And in en-US when asked, numbers formatted for en-US
    edited["input"]["locale"] = "en-US"
    english = await _preview(marketer, edited)
    assert (english["locale"], english["textBody"]) == ("en-US", "You have 2,500")
    # And nothing was saved
    async with clean_db.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM message_templates"))).scalar()
    assert count == 0


async def test_mistakes_in_the_draft_are_named_on_their_field_with_line_and_column(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    cid = await _giulia(gql, 10)
    # A Jinja2 syntax error on line 2 of the Italian text body
    broken = await _preview(marketer, _draft(cid, textBody="Ciao\n{% if points %}"))
    (problem,) = broken["problems"]
    assert (problem["field"], problem["code"], problem["line"]) == (
        "translations.it-IT.textBody",
        "SYNTAX",
        2,
    )
    assert problem["message"].startswith("Line 2") and problem["message"].endswith("(SYNTAX).")
    assert (broken["locale"], broken["subject"], broken["textBody"]) == (None, None, None)
    # An unknown shortcode (exact line and column) beside another translation's missing
    # subject: every problem a save would name, each on its own field
    unknown = _draft(cid, textBody="Hai\n  [punti]")
    unknown["input"]["translations"][0]["subject"] = ""
    named = (await _preview(marketer, unknown))["problems"]
    assert [(p["field"], p["code"], p["line"], p["column"]) for p in named] == [
        ("translations.it-IT.textBody", "UNKNOWN_SHORTCODE", 2, 3),
        ("translations.en-US.subject", "REQUIRED", None, None),
    ]
    # A value this customer's message lacks fails the render, as the send would
    lacking = await _preview(marketer, _draft(cid, textBody="Codice: [voucher_code]"))
    (undefined,) = lacking["problems"]
    assert (undefined["field"], undefined["code"], undefined["line"]) == (
        "translations.it-IT.textBody",
        "UNDEFINED",
        1,
    )


async def test_only_notification_managers_preview_drafts_of_known_customers(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    cid = await _giulia(gql, 10)
    query = operation("marketer/PreviewTemplateDraft")
    for role in ("viewer", "cashier"):
        refused = await gql.post(query, _draft(cid), token=tokens[role])
        assert error_codes(refused) == ["FORBIDDEN"], role
        palette = await gql.post(operation("marketer/MessageShortcodes"), token=tokens[role])
        assert error_codes(palette) == ["FORBIDDEN"], role
    unknown = await gql.post(query, _draft("999999"), token=tokens["marketer"])
    assert error_codes(unknown) == ["NOT_FOUND"]
    malformed = await gql.post(query, _draft("abc"), token=tokens["marketer"])
    assert error_codes(malformed) == ["BAD_USER_INPUT"]
