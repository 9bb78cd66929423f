"""Customers and point categories through the API: register, change, look up, list, move."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes

FIELDS = """
id externalRef cardCode email phone firstName lastName consentEmail consentSms attributes
createdAt updatedAt category { id name isDefault } points { balance }
"""

CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { FIELDS } userErrors { field code message } }
}""".replace("FIELDS", FIELDS)

UPDATE = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { FIELDS } userErrors { field code message } }
}""".replace("FIELDS", FIELDS)

BY_ID = "query($id: ID!) { customer(id: $id) { id cardCode externalRef } }"
BY_CARD = "query($code: String!) { customerByCard(code: $code) { id cardCode } }"
BY_REF = "query($ref: String!) { customerByExternalRef(ref: $ref) { id externalRef } }"

LIST = """
query($first: Int, $after: String, $filter: CustomerFilter) {
  customers(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id } }
    nodes { id firstName category { id } points { balance } }
    pageInfo { hasNextPage endCursor }
  }
}"""

CREATE_CATEGORY = """
mutation($input: CreatePointCategoryInput!) {
  createPointCategory(input: $input) {
    category { id name earnMultiplier isDefault } userErrors { field code message }
  }
}"""

UPDATE_CATEGORY = """
mutation($input: UpdatePointCategoryInput!) {
  updatePointCategory(input: $input) {
    category { id isDefault } userErrors { field code message }
  }
}"""

CATEGORIES = "{ pointCategories { id name earnMultiplier isDefault } }"

SET_CATEGORY = """
mutation($input: SetCustomerCategoryInput!) {
  setCustomerCategory(input: $input) {
    updatedCount customers { id category { id } } userErrors { field code message }
  }
}"""

ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { userErrors { field code message } }
}"""


async def create(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    keyed = {"idempotencyKey": uuid4().hex, **fields}
    payload: dict[str, Any] = (await gql.data(CREATE, {"input": keyed}))["createCustomer"]
    return payload


async def new_customer(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload = await create(gql, **fields)
    assert payload["userErrors"] == []
    customer: dict[str, Any] = payload["customer"]
    return customer


async def update(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(UPDATE, {"input": fields}))["updateCustomer"]
    return payload


async def new_category(
    gql: GraphQLClient, name: str, multiplier: str, is_default: bool = False
) -> dict[str, Any]:
    payload = await gql.data(
        CREATE_CATEGORY,
        {
            "input": {
                "name": name,
                "earnMultiplier": multiplier,
                "isDefault": is_default,
                "idempotencyKey": name,
            }
        },
    )
    assert payload["createPointCategory"]["userErrors"] == []
    category: dict[str, Any] = payload["createPointCategory"]["category"]
    return category


async def set_category(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(SET_CATEGORY, {"input": fields}))[
        "setCustomerCategory"
    ]
    return payload


async def credit(gql: GraphQLClient, customer_id: str, points: int) -> None:
    key = f"credit-{customer_id}-{points}"
    payload = await gql.data(
        ADJUST,
        {
            "input": {
                "customerId": customer_id,
                "points": points,
                "note": "test",
                "idempotencyKey": key,
            }
        },
    )
    assert payload["adjustPoints"]["userErrors"] == []


async def listed(
    gql: GraphQLClient, filter: dict[str, Any] | None = None, first: int | None = None
) -> list[str]:
    data = await gql.data(LIST, {"filter": filter, "first": first})
    return [n["id"] for n in data["customers"]["nodes"]]


async def count_customers(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM customers"))).scalar_one())


def codes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_given_all_fields_when_creating_then_the_customer_has_them(
    gql: GraphQLClient,
) -> None:
    attributes = {
        "birthday": "1990-04-01",
        "tags": ["vip", "newsletter"],
        "kids": 2,
        "address": {"city": "Ghent"},
    }
    customer = await new_customer(
        gql,
        externalRef="shop-42",
        cardCode="CARD-0042",
        email="Ann.Smith@Example.com",
        phone="+32 470 12 34 56",
        firstName=" Ann ",
        lastName="Smith",
        consentEmail=True,
        consentSms=False,
        attributes=attributes,
    )
    assert customer["id"].isdigit()
    assert customer["externalRef"] == "shop-42"
    assert customer["cardCode"] == "CARD-0042"
    assert customer["email"] == "ann.smith@example.com"
    assert customer["phone"] == "+32470123456"  # stored in E.164
    assert customer["firstName"] == "Ann"
    assert customer["lastName"] == "Smith"
    assert customer["consentEmail"] is True
    assert customer["consentSms"] is False
    assert customer["attributes"] == attributes
    assert customer["category"] == {
        "id": customer["category"]["id"],
        "name": "Base",
        "isDefault": True,
    }
    assert customer["points"] == {"balance": 0}
    assert customer["createdAt"] and customer["updatedAt"]


async def test_given_no_fields_when_creating_then_an_anonymous_customer_is_registered(
    gql: GraphQLClient,
) -> None:
    customer = await new_customer(gql)
    assert customer["email"] is None and customer["cardCode"] is None
    assert customer["attributes"] == {}
    assert customer["consentEmail"] is False


async def test_given_a_taken_card_code_or_external_ref_when_creating_then_duplicate(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await new_customer(gql, cardCode="CARD-1", externalRef="ref-1")
    same_card = await create(gql, cardCode="CARD-1", externalRef="ref-2")
    same_ref = await create(gql, cardCode="CARD-2", externalRef="ref-1")
    assert codes(same_card) == [("cardCode", "DUPLICATE")]
    assert codes(same_ref) == [("externalRef", "DUPLICATE")]
    assert same_card["customer"] is None
    assert await count_customers(engine) == 1


async def test_given_a_customer_when_updating_some_fields_then_the_others_stay(
    gql: GraphQLClient,
) -> None:
    ann = await new_customer(
        gql,
        cardCode="CARD-1",
        email="ann@example.com",
        phone="+3212345678",
        firstName="Ann",
        lastName="Smith",
        attributes={"a": 1},
    )
    renamed = await update(gql, id=ann["id"], firstName="Anne")
    assert renamed["userErrors"] == []
    after = renamed["customer"]
    assert after["firstName"] == "Anne"
    for kept in ("cardCode", "email", "phone", "lastName", "attributes", "createdAt"):
        assert after[kept] == ann[kept]

    cleared = (await update(gql, id=ann["id"], email=None, attributes=None, consentSms=True))[
        "customer"
    ]
    assert cleared["email"] is None
    assert cleared["attributes"] == {}
    assert cleared["consentSms"] is True
    assert cleared["phone"] == ann["phone"]
    assert cleared["firstName"] == "Anne"


async def test_given_two_customers_when_one_takes_the_others_card_then_duplicate(
    gql: GraphQLClient,
) -> None:
    await new_customer(gql, cardCode="CARD-1", externalRef="ref-1")
    bob = await new_customer(gql, cardCode="CARD-2", externalRef="ref-2")
    assert codes(await update(gql, id=bob["id"], cardCode="CARD-1")) == [("cardCode", "DUPLICATE")]
    assert codes(await update(gql, id=bob["id"], externalRef="ref-1")) == [
        ("externalRef", "DUPLICATE")
    ]
    assert codes(await update(gql, id="999999", firstName="x")) == [("id", "NOT_FOUND")]
    found = (await gql.data(BY_ID, {"id": bob["id"]}))["customer"]
    assert found == {"id": bob["id"], "cardCode": "CARD-2", "externalRef": "ref-2"}


async def test_given_a_customer_when_looking_up_by_id_card_or_ref_then_found(
    gql: GraphQLClient,
) -> None:
    ann = await new_customer(gql, cardCode="CARD-9", externalRef="erp-9")
    assert (await gql.data(BY_ID, {"id": ann["id"]}))["customer"]["id"] == ann["id"]
    assert (await gql.data(BY_CARD, {"code": "CARD-9"}))["customerByCard"]["id"] == ann["id"]
    # A scanner may add whitespace around the code.
    assert (await gql.data(BY_CARD, {"code": " CARD-9\n"}))["customerByCard"]["id"] == ann["id"]
    by_ref = (await gql.data(BY_REF, {"ref": "erp-9"}))["customerByExternalRef"]
    assert by_ref == {"id": ann["id"], "externalRef": "erp-9"}

    assert (await gql.data(BY_ID, {"id": "987654"}))["customer"] is None
    assert (await gql.data(BY_CARD, {"code": "CARD-0"}))["customerByCard"] is None
    assert (await gql.data(BY_REF, {"ref": "nope"}))["customerByExternalRef"] is None


async def test_given_customers_when_paging_then_every_one_appears_once_in_order(
    gql: GraphQLClient,
) -> None:
    ids = [(await new_customer(gql, firstName=f"C{i}"))["id"] for i in range(5)]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = (await gql.data(LIST, {"first": 2, "after": after}))["customers"]
        pages += 1
        seen += [n["id"] for n in data["nodes"]]
        assert [e["node"]["id"] for e in data["edges"]] == [n["id"] for n in data["nodes"]]
        assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
        assert pages < 10
    assert seen == ids
    assert pages == 3


async def test_given_customers_when_filtering_then_only_matching_ones_are_listed(
    gql: GraphQLClient,
) -> None:
    gold = await new_category(gql, "Gold", "1.5")
    ann = (
        await new_customer(
            gql, firstName="Ann", lastName="Smith", email="ann@shop.example", phone="+3211111111"
        )
    )["id"]
    bob = (
        await new_customer(
            gql,
            firstName="Bob",
            lastName="Jones",
            email="bob@mail.example",
            phone="+3222222222",
            categoryId=gold["id"],
        )
    )["id"]
    cid = (
        await new_customer(
            gql,
            firstName="Cid",
            email="cid@shop.example",
            phone="+3233333333",
            categoryId=gold["id"],
        )
    )["id"]
    await credit(gql, ann, 100)
    await credit(gql, bob, 500)
    await credit(gql, cid, 1000)

    assert await listed(gql) == [ann, bob, cid]
    assert await listed(gql, {"categoryId": gold["id"]}) == [bob, cid]
    assert await listed(gql, {"minBalance": 500}) == [bob, cid]
    assert await listed(gql, {"maxBalance": 500}) == [ann, bob]
    assert await listed(gql, {"minBalance": 100, "maxBalance": 100}) == [ann]
    assert await listed(gql, {"minBalance": 101, "maxBalance": 499}) == []
    assert await listed(gql, {"search": "ann smith"}) == [ann]
    assert await listed(gql, {"search": "JONES"}) == [bob]
    assert await listed(gql, {"search": "@shop."}) == [ann, cid]
    assert await listed(gql, {"search": "22222"}) == [bob]
    # A % in the search is a literal character, not a wildcard.
    assert await listed(gql, {"search": "%"}) == []
    assert await listed(gql, {"search": "shop", "categoryId": gold["id"], "minBalance": 600}) == [
        cid
    ]
    assert await listed(gql, {"categoryId": gold["id"]}, first=1) == [bob]


async def test_given_a_new_default_category_when_registering_then_customers_get_it(
    gql: GraphQLClient,
) -> None:
    before = (await gql.data(CATEGORIES))["pointCategories"]
    assert [(c["name"], c["isDefault"]) for c in before] == [("Base", True)]
    premium = await new_category(gql, "Premium", "2")
    assert premium["isDefault"] is False
    assert premium["earnMultiplier"] == "2.0000"
    starter = await new_category(gql, "Starter", "0.5", is_default=True)
    assert starter["isDefault"] is True

    categories = {c["name"]: c for c in (await gql.data(CATEGORIES))["pointCategories"]}
    assert set(categories) == {"Base", "Premium", "Starter"}
    assert [n for n, c in categories.items() if c["isDefault"]] == ["Starter"]
    newcomer = await new_customer(gql)
    assert newcomer["category"]["id"] == starter["id"]
    chosen = await new_customer(gql, categoryId=premium["id"])
    assert chosen["category"]["id"] == premium["id"]


async def test_given_a_taken_name_when_creating_a_category_then_duplicate(
    gql: GraphQLClient,
) -> None:
    payload = await gql.data(
        CREATE_CATEGORY, {"input": {"name": "Base", "earnMultiplier": "3", "idempotencyKey": "b"}}
    )
    assert codes(payload["createPointCategory"]) == [("name", "DUPLICATE")]
    assert len((await gql.data(CATEGORIES))["pointCategories"]) == 1


async def test_given_customer_ids_when_setting_their_category_then_they_move(
    gql: GraphQLClient,
) -> None:
    vip = await new_category(gql, "VIP", "3")
    ann, bob, cid = [(await new_customer(gql))["id"] for _ in range(3)]
    moved = await set_category(gql, categoryId=vip["id"], customerIds=[ann, bob])
    assert moved["userErrors"] == []
    assert moved["updatedCount"] == 2
    assert sorted(c["id"] for c in moved["customers"]) == sorted([ann, bob])
    assert all(c["category"]["id"] == vip["id"] for c in moved["customers"])
    assert await listed(gql, {"categoryId": vip["id"]}) == [ann, bob]
    # Customers already in the category are not counted again.
    again = await set_category(gql, categoryId=vip["id"], customerIds=[ann, cid])
    assert again["updatedCount"] == 1
    assert await listed(gql, {"categoryId": vip["id"]}) == [ann, bob, cid]


async def test_given_a_filter_when_setting_the_category_then_all_matching_move(
    gql: GraphQLClient,
) -> None:
    silver = await new_category(gql, "Silver", "1.25")
    rich = (await new_customer(gql))["id"]
    poor = (await new_customer(gql))["id"]
    await credit(gql, rich, 800)
    moved = await set_category(gql, categoryId=silver["id"], filter={"minBalance": 500})
    assert moved["userErrors"] == []
    assert moved["updatedCount"] == 1
    assert [c["id"] for c in moved["customers"]] == [rich]
    assert await listed(gql, {"categoryId": silver["id"]}) == [rich]
    assert poor not in await listed(gql, {"categoryId": silver["id"]})


async def test_given_an_unknown_id_among_many_when_setting_the_category_then_nobody_moves(
    gql: GraphQLClient,
) -> None:
    vip = await new_category(gql, "VIP", "3")
    ann, bob = [(await new_customer(gql))["id"] for _ in range(2)]
    refused = await set_category(gql, categoryId=vip["id"], customerIds=[ann, "999999", bob])
    assert codes(refused) == [("customerIds.1", "NOT_FOUND")]
    assert refused["updatedCount"] == 0
    assert await listed(gql, {"categoryId": vip["id"]}) == []

    unknown_category = await set_category(gql, categoryId="999999", customerIds=[ann])
    assert codes(unknown_category) == [("categoryId", "NOT_FOUND")]
    neither = await set_category(gql, categoryId=vip["id"])
    assert [c for _, c in codes(neither)] == ["REQUIRED"]
    assert await listed(gql, {"categoryId": vip["id"]}) == []


async def test_concurrent_make_default_updates_never_fail_internally(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    """Rule: rules hold under concurrent requests and an expected outcome is never an
    INTERNAL_SERVER_ERROR (DESIGN.md section 4: "an error without a code is a bug";
    docs/api.md, Errors and codes); there is exactly one default category (the one-default
    index, domain/customers/tables.py): category creates and updates take the categories'
    lock one at a time, so two new defaults never both clear the old one.

    Given 30 categories, when 30 managers each make a different one the default at the same
    time (updatePointCategory(isDefault: true)), then every call answers with a result or a
    user error, and exactly one category is the default afterwards."""
    ids = []
    for i in range(30):
        payload = (
            await gql.data(
                CREATE_CATEGORY,
                {
                    "input": {
                        "name": f"Tier {i}",
                        "earnMultiplier": "1.5",
                        "idempotencyKey": uuid4().hex,
                    }
                },
            )
        )["createPointCategory"]
        assert payload["userErrors"] == []
        ids.append(payload["category"]["id"])

    bodies = await asyncio.gather(
        *(gql.post(UPDATE_CATEGORY, {"input": {"id": cid, "isDefault": True}}) for cid in ids)
    )

    failed = [b for b in bodies if "INTERNAL_SERVER_ERROR" in error_codes(b)]
    assert failed == [], f"{len(failed)} of 30 failed internally: {failed[0]}"
    async with clean_db.connect() as conn:
        defaults = (
            await conn.execute(text("SELECT count(*) FROM point_categories WHERE is_default"))
        ).scalar_one()
    assert defaults == 1
