"""The customer area's introduction text: written by a manager, read by customer apps."""

from __future__ import annotations

from tests.support.api import GraphQLClient, customer_token, error_codes

READ = "{ customerArea { introduction updatedAt } }"
WRITE = """mutation($text: String) { updateCustomerArea(input: {introduction: $text}) {
  customerArea { introduction } userErrors { field code } } }"""


async def test_the_shop_writes_its_introduction_and_customers_read_it(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given no text yet, a customer app sees none
    app = gql.as_(customer_token("area-1"))
    assert (await app.data(READ))["customerArea"] == {"introduction": None, "updatedAt": None}
    # When a manager writes it (trimmed)
    text = "  Welcome to Beans & Co rewards: 1 point per euro, 100 points = 1.00 off.  "
    written = (await gql.as_(tokens["manager"]).data(WRITE, {"text": text}))["updateCustomerArea"]
    assert written == {
        "customerArea": {"introduction": text.strip()},
        "userErrors": [],
    }
    # Then customer apps and tills read it
    for reader in (app, gql.as_(tokens["cashier"])):
        area = (await reader.data(READ))["customerArea"]
        assert area["introduction"] == text.strip() and area["updatedAt"]
    # When it is blanked, it is gone
    await gql.data(WRITE, {"text": "   "})
    assert (await app.data(READ))["customerArea"]["introduction"] is None


async def test_only_managers_write_it_and_only_known_callers_read_it(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    too_long = (await gql.data(WRITE, {"text": "x" * 10_001}))["updateCustomerArea"]
    assert too_long == {
        "customerArea": None,
        "userErrors": [{"field": "introduction", "code": "OUT_OF_RANGE"}],
    }
    customer = gql.as_(customer_token("area-2"))
    assert error_codes(await customer.post(WRITE, {"text": "mine"})) == ["FORBIDDEN"]
    assert error_codes(await gql.as_(tokens["cashier"]).post(WRITE, {"text": "x"})) == ["FORBIDDEN"]
    assert error_codes(await gql.as_(None).post(READ)) == ["UNAUTHENTICATED"]
