"""The marketing console's flows, with its own operation files and a marketer token: a
template saved with a mistake, fixed in a new version, read with its versions and
previewed for a real customer in her language."""

from __future__ import annotations

from contract_support import run, run_mutation

from tests.support.api import GraphQLClient
from tests.support.loyalty import CREATE_CUSTOMER, CREDIT

ITALIAN = {
    "locale": "it-IT",
    "subject": "Ciao [first_name]",
    "textBody": "Hai [points] punti",
}
ENGLISH = {"locale": "en-US", "subject": "Hi [first_name]", "textBody": "You have [points]"}


async def test_a_marketer_fixes_a_template_and_previews_it_for_a_customer(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    # Given a template whose Italian body names an unknown shortcode on line 2
    template = {
        "name": "Points reminder",
        "channel": "EMAIL",
        "fallbackLocale": "en-US",
        "idempotencyKey": "reminder",
        "translations": [{**ITALIAN, "textBody": "Ciao\n[punti]"}, ENGLISH],
    }
    refused = (await run(marketer, "marketer/CreateMessageTemplate", {"input": template}))[
        "createMessageTemplate"
    ]
    (error,) = refused["userErrors"]
    assert error["field"] == "translations.it-IT.textBody"
    assert error["message"].startswith("Line 2, column 1: ")
    # When it is saved right, then edited into version 2
    template["translations"] = [ITALIAN, ENGLISH]
    created = await run_mutation(marketer, "marketer/CreateMessageTemplate", {"input": template})
    tid = created["template"]["id"]
    fixed = {**ENGLISH, "textBody": "You have [points] points"}
    edit = {"id": tid, "translations": [ITALIAN, fixed], "expectedVersion": 1}
    updated = await run_mutation(marketer, "marketer/UpdateMessageTemplate", {"input": edit})
    assert updated["template"]["currentVersion"] == 2
    # Then both versions are listed, and the template is in the list
    read = (await run(marketer, "marketer/MessageTemplate", {"id": tid}))["messageTemplate"]
    assert [v["version"] for v in read["versions"]] == [2, 1]
    listed = await run(marketer, "marketer/MessageTemplates", {"channel": "EMAIL"})
    assert [n["id"] for n in listed["messageTemplates"]["nodes"]] == [tid]
    # And the preview for an Italian customer is in Italian, with her points
    customer = {"firstName": "Giulia", "locale": "it-IT", "idempotencyKey": "giulia"}
    cid = (await gql.data(CREATE_CUSTOMER, {"input": customer}))["createCustomer"]["customer"]
    await gql.data(CREDIT, {"id": cid["id"], "points": 2500, "key": "giulia"})
    shown = await run(
        marketer, "marketer/PreviewTemplate", {"templateId": tid, "customerId": cid["id"]}
    )
    preview = shown["previewTemplate"]
    assert (preview["locale"], preview["subject"], preview["textBody"]) == (
        "it-IT",
        "Ciao Giulia",
        "Hai 2.500 punti",
    )
    assert preview["problems"] == []


async def test_a_marketer_tries_a_template_on_her_own_address(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    template = {
        "name": "Points earned",
        "channel": "EMAIL",
        "fallbackLocale": "en-US",
        "idempotencyKey": "earned",
        "translations": [{**ENGLISH, "textBody": "You have [points] points\n[badge]"}],
    }
    created = await run_mutation(marketer, "marketer/CreateMessageTemplate", {"input": template})
    tid = created["template"]["id"]
    # Given a customer with no badge, the template fails for her on line 2
    customer = {"firstName": "Giulia", "locale": "it-IT", "idempotencyKey": "giulia"}
    cid = (await gql.data(CREATE_CUSTOMER, {"input": customer}))["createCustomer"]["customer"]
    request = {"templateId": tid, "to": "me@shop.example", "idempotencyKey": "try-1"}
    failed = (
        await run(
            marketer, "marketer/SendTestMessage", {"input": {**request, "customerId": cid["id"]}}
        )
    )["sendTestMessage"]
    assert [(p["field"], p["code"], p["line"]) for p in failed["problems"]] == [
        ("translations.en-US.textBody", "UNDEFINED", 2)
    ]
    assert failed["message"] is None and failed["userErrors"]
    # With the sample customer it goes out (the sandbox here: CAPTURED), as a test
    sent = await run_mutation(marketer, "marketer/SendTestMessage", {"input": request})
    message = sent["message"]
    assert (message["isTest"], message["status"], message["recipient"]) == (
        True,
        "CAPTURED",
        "me@shop.example",
    )
    assert (message["subject"], message["text"]) == ("Hi Ann", "You have 1,234 points\nRegular")
    # And the retry with the same key is the same message
    again = await run_mutation(marketer, "marketer/SendTestMessage", {"input": request})
    assert (again["replayed"], again["message"]["id"]) == (True, message["id"])


async def test_a_marketer_switches_on_points_earned_with_an_email_template(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    # Given an email template saved through the console
    template = {
        "name": "Points earned",
        "channel": "EMAIL",
        "fallbackLocale": "en-US",
        "idempotencyKey": "earned",
        "translations": [
            {"locale": "en-US", "subject": "+[points_earned]", "textBody": "[points] points"}
        ],
    }
    created = await run_mutation(marketer, "marketer/CreateMessageTemplate", {"input": template})
    tid = created["template"]["id"]
    # When the marketer switches "points earned" on with it
    wanted = {"kind": "POINTS_EARNED", "enabled": True, "emailTemplateId": tid}
    saved = await run_mutation(marketer, "marketer/SetBuiltInNotification", {"input": wanted})
    assert (saved["notification"]["enabled"], saved["notification"]["emailTemplateId"]) == (
        True,
        tid,
    )
    # Then the list shows it on, the other kinds off
    listed = (await run(marketer, "marketer/BuiltInNotifications"))["builtInNotifications"]
    assert [(n["kind"], n["enabled"]) for n in listed if n["enabled"]] == [("POINTS_EARNED", True)]
    assert len(listed) == 6
