"""Message templates over HTTP, on real PostgreSQL: saved per channel and locale, validated
on save (line and column in the message), versioned, idempotent, previewed for a real
customer, and refused to roles without MANAGE_NOTIFICATIONS."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.loyalty import CREATE_CUSTOMER, CREDIT

TEMPLATE = """id name channel purpose fallbackLocale currentVersion
  versions { version fallbackLocale actor
    translations { locale subject htmlBody textBody text mediaUrls } }"""
CREATE = f"""mutation($input: CreateMessageTemplateInput!) {{
  createMessageTemplate(input: $input) {{
    template {{ {TEMPLATE} }} replayed userErrors {{ field code message }} }} }}"""
UPDATE = f"""mutation($input: UpdateMessageTemplateInput!) {{
  updateMessageTemplate(input: $input) {{
    template {{ {TEMPLATE} }} userErrors {{ field code message }} }} }}"""
ONE = f"query($id: ID!) {{ messageTemplate(id: $id) {{ {TEMPLATE} }} }}"
LIST = """query($channel: MessageChannel, $first: Int, $after: String) {
  messageTemplates(channel: $channel, first: $first, after: $after) {
    nodes { name channel } pageInfo { hasNextPage endCursor } } }"""
PREVIEW = """query($t: ID!, $c: ID!, $locale: String, $version: Int) {
  previewTemplate(templateId: $t, customerId: $c, locale: $locale, version: $version) {
    templateId version locale subject htmlBody textBody text mediaUrls
    problems { field code message line column } } }"""

WELCOME: dict[str, Any] = {
    "name": "Welcome",
    "channel": "EMAIL",
    "purpose": "TRANSACTIONAL",
    "fallbackLocale": "en-US",
    "translations": [
        {
            "locale": "it_it",
            "subject": "Ciao [first_name]",
            "htmlBody": "<p>Hai <b>[points]</b> punti</p>",
            "textBody": "Hai [points] punti",
        },
        {
            "locale": "en-US",
            "subject": "Hi [first_name]",
            "htmlBody": "<p>You have <b>[points]</b> points</p>",
            "textBody": "You have [points] points",
        },
    ],
}


async def create(gql: GraphQLClient, values: dict[str, Any], key: str | None = None) -> Any:
    keyed = {**values, "idempotencyKey": key or uuid4().hex}
    return (await gql.data(CREATE, {"input": keyed}))["createMessageTemplate"]


async def customer(gql: GraphQLClient, locale: str, points: int) -> str:
    fields = {"firstName": "Giulia", "locale": locale, "idempotencyKey": uuid4().hex}
    created = await gql.data(CREATE_CUSTOMER, {"input": fields})
    cid: str = created["createCustomer"]["customer"]["id"]
    await gql.data(CREDIT, {"id": cid, "points": points, "key": f"start-{cid}"})
    return cid


async def test_given_an_email_template_when_edited_then_each_save_is_a_version(
    gql: GraphQLClient,
) -> None:
    # Given a marketer's welcome email in Italian and English
    payload = await create(gql, WELCOME)
    assert payload["userErrors"] == []
    template = payload["template"]
    assert (template["channel"], template["purpose"], template["currentVersion"]) == (
        "EMAIL",
        "TRANSACTIONAL",
        1,
    )
    (v1,) = template["versions"]
    assert v1["actor"].endswith(":admin")
    assert [t["locale"] for t in v1["translations"]] == ["en-US", "it-IT"]  # canonical
    # When the Italian subject is changed on version 1
    italian = {**WELCOME["translations"][0], "subject": "Benvenuta [first_name]"}
    changed = {
        "id": template["id"],
        "translations": [italian, WELCOME["translations"][1]],
        "expectedVersion": 1,
    }
    updated = (await gql.data(UPDATE, {"input": changed}))["updateMessageTemplate"]
    # Then version 2 is current and version 1 is still readable as it was
    assert updated["userErrors"] == []
    read = (await gql.data(ONE, {"id": template["id"]}))["messageTemplate"]
    assert read["currentVersion"] == 2
    assert [v["version"] for v in read["versions"]] == [2, 1]
    subjects = [v["translations"][1]["subject"] for v in read["versions"]]
    assert subjects == ["Benvenuta [first_name]", "Ciao [first_name]"]
    # And an edit made on version 1 again is refused: version 2 was saved since
    stale = (await gql.data(UPDATE, {"input": changed}))["updateMessageTemplate"]
    assert [(e["field"], e["code"]) for e in stale["userErrors"]] == [
        ("expectedVersion", "INVALID")
    ]
    # And a rename alone still saves a version (with the same content)
    renamed = await gql.data(UPDATE, {"input": {"id": template["id"], "name": "Welcome 2"}})
    assert renamed["updateMessageTemplate"]["template"]["currentVersion"] == 3
    # And the list filters by channel
    await create(
        gql,
        {
            **WELCOME,
            "name": "Hi by SMS",
            "channel": "SMS",
            "translations": [{"locale": "en-US", "text": "Hi [first_name]"}],
        },
    )
    listed = (await gql.data(LIST, {"channel": "SMS"}))["messageTemplates"]
    assert listed["nodes"] == [{"name": "Hi by SMS", "channel": "SMS"}]


async def test_given_template_mistakes_when_saved_then_each_names_locale_part_line_and_column(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given an Italian translation with an unclosed `if` and an unknown shortcode
    broken = {
        **WELCOME,
        "fallbackLocale": "fr-FR",
        "translations": [
            {
                "locale": "it-IT",
                "subject": "Ciao",
                "htmlBody": "<p>Ciao</p>\n<p>{% if points %}</p>",
                "textBody": "Ciao\n  [bogus]",
            },
            {"locale": "en-US", "subject": "Hi", "textBody": "Hi", "text": "not an email part"},
        ],
    }
    # When it is saved
    payload = await create(gql, broken)
    # Then every problem is reported at once, each on its locale and part
    errors = {e["field"]: (e["code"], e["message"]) for e in payload["userErrors"]}
    assert payload["template"] is None
    assert set(errors) == {
        "translations.it-IT.htmlBody",
        "translations.it-IT.textBody",
        "translations.en-US.text",
        "fallbackLocale",
    }
    assert errors["translations.it-IT.htmlBody"][1].startswith("Line 2, column 4: ")
    assert "(SYNTAX)" in errors["translations.it-IT.htmlBody"][1]
    code, message = errors["translations.it-IT.textBody"]
    assert code == "INVALID"
    assert message.startswith("Line 2, column 3: [bogus] is not a shortcode")
    # And nothing was written
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM message_templates"))).scalar()
    assert count == 0
    # And an email needs a subject and a text body; an MMS, media
    bare = {**WELCOME, "translations": [{"locale": "en-US", "htmlBody": "<p>Hi</p>"}]}
    fields = [(e["field"], e["code"]) for e in (await create(gql, bare))["userErrors"]]
    assert fields == [
        ("translations.en-US.subject", "REQUIRED"),
        ("translations.en-US.textBody", "REQUIRED"),
    ]
    mms = {**WELCOME, "channel": "MMS", "translations": [{"locale": "en-US", "text": "Hi"}]}
    fields = [(e["field"], e["code"]) for e in (await create(gql, mms))["userErrors"]]
    assert fields == [("translations.en-US.mediaUrls", "OUT_OF_RANGE")]


async def test_given_a_malformed_media_url_when_saved_then_it_is_invalid_not_an_error(
    gql: GraphQLClient,
) -> None:
    # Given MMS media URLs Python cannot even parse (urlsplit raises ValueError on them)
    for n, url in enumerate(["https://[::1", "https://shop.example\uff03.evil/x.png"]):
        translation = {"locale": "en-US", "text": "Hi", "mediaUrls": [url]}
        mms = {**WELCOME, "name": f"mms-{n}", "channel": "MMS", "translations": [translation]}
        # When a marketer saves them
        body = await gql.post(CREATE, {"input": {**mms, "idempotencyKey": uuid4().hex}})
        # Then each is a user error on the URL, not an internal error
        assert not body.get("errors"), (url, body.get("errors"))
        errors = body["data"]["createMessageTemplate"]["userErrors"]
        assert [e["code"] for e in errors] == ["INVALID"], (url, errors)
        assert errors[0]["field"].endswith("mediaUrls.0"), errors


async def test_given_a_create_retried_when_its_key_is_reused_then_the_first_template_answers(
    gql: GraphQLClient,
) -> None:
    first = await create(gql, WELCOME, key="welcome")
    again = await create(gql, WELCOME, key="welcome")
    assert again["replayed"] is True
    assert again["template"]["id"] == first["template"]["id"]
    other = await create(gql, {**WELCOME, "name": "Other"}, key="welcome")
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_CONFLICT")
    ]
    taken = await create(gql, WELCOME)
    assert [(e["field"], e["code"]) for e in taken["userErrors"]] == [("name", "DUPLICATE")]


async def test_given_a_real_customer_when_previewed_then_it_renders_in_their_locale_unsent(
    gql: GraphQLClient,
) -> None:
    # Given Giulia (it-IT) and John (en-US), 1500 points each, and the welcome email
    giulia = await customer(gql, "it-IT", 1500)
    john = await customer(gql, "en-US", 1500)
    tid = (await create(gql, WELCOME))["template"]["id"]
    # When it is previewed for each
    for_giulia = (await gql.data(PREVIEW, {"t": tid, "c": giulia}))["previewTemplate"]
    for_john = (await gql.data(PREVIEW, {"t": tid, "c": john}))["previewTemplate"]
    # Then each sees their language, with numbers written their way
    assert for_giulia["locale"] == "it-IT"
    assert for_giulia["subject"] == "Ciao Giulia"
    assert for_giulia["textBody"] == "Hai 1.500 punti"
    assert for_giulia["htmlBody"] == "<p>Hai <b>1.500</b> punti</p>"
    assert for_john["locale"] == "en-US"
    assert for_john["textBody"] == "You have 1,500 points"
    assert for_giulia["problems"] == for_john["problems"] == []
    # And a locale asked for wins over the customer's; one with no translation falls back
    asked = await gql.data(PREVIEW, {"t": tid, "c": giulia, "locale": "en-GB"})
    assert asked["previewTemplate"]["textBody"] == "You have 1,500 points"
    german = await gql.data(PREVIEW, {"t": tid, "c": giulia, "locale": "de-DE"})
    assert german["previewTemplate"]["locale"] == "en-US"
    assert german["previewTemplate"]["textBody"] == "You have 1.500 points"  # German numbers
    # And a value the customer lacks is a problem of the preview, on its line and column
    sms = {"locale": "en-US", "text": "Hi\n[voucher_code]"}
    lacking = await create(
        gql, {**WELCOME, "name": "Voucher", "channel": "SMS", "translations": [sms]}
    )
    shown = await gql.data(PREVIEW, {"t": lacking["template"]["id"], "c": john})
    (problem,) = shown["previewTemplate"]["problems"]
    assert (problem["field"], problem["code"]) == ("translations.en-US.text", "UNDEFINED")
    assert shown["previewTemplate"]["text"] is None
    # And an unknown customer or template is NOT_FOUND
    missing = await gql.post(PREVIEW, {"t": tid, "c": "999999"})
    assert error_codes(missing) == ["NOT_FOUND"]


async def test_given_a_version_that_never_existed_when_previewed_then_it_is_not_found(
    gql: GraphQLClient,
) -> None:
    # Given a template at version 2 (versions start at 1)
    tid = (await create(gql, WELCOME))["template"]["id"]
    edit = {"id": tid, "expectedVersion": 1, "name": f"Welcome {uuid4().hex[:6]}"}
    assert (await gql.data(UPDATE, {"input": edit}))["updateMessageTemplate"]["userErrors"] == []
    giulia = await customer(gql, "it-IT", 1500)
    # When versions 0, -1 and 7 are previewed, then each is NOT_FOUND (0 never meant current)
    for version in (0, -1, 7):
        shown = await gql.post(PREVIEW, {"t": tid, "c": giulia, "version": version})
        assert error_codes(shown) == ["NOT_FOUND"], (version, shown)
    # And version 1 is still there
    first = await gql.data(PREVIEW, {"t": tid, "c": giulia, "version": 1})
    assert first["previewTemplate"]["version"] == 1


async def test_given_roles_when_templates_are_touched_then_only_notification_managers_may(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    tid = (await create(gql, WELCOME))["template"]["id"]
    for role in ("cashier", "viewer"):
        caller = gql.as_(tokens[role])
        keyed = {**WELCOME, "name": role, "idempotencyKey": role}
        for query, variables in (
            (CREATE, {"input": keyed}),
            (UPDATE, {"input": {"id": tid, "name": role}}),
            (ONE, {"id": tid}),
            (LIST, {}),
            (PREVIEW, {"t": tid, "c": "1"}),
        ):
            assert error_codes(await caller.post(query, variables)) == ["FORBIDDEN"], role
    for role in ("marketer", "manager"):
        marketer = gql.as_(tokens[role])
        made = await create(marketer, {**WELCOME, "name": f"By {role}"})
        assert made["userErrors"] == []
