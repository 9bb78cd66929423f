"""Given a code Bea used, when staff try to reserve it for Ann, then it is refused (its
uses, Bea's, would show in Ann's app); and given such a code reserved for Ann before that
rule (data of an earlier version), when Ann's token reads her vouchers' uses, then Bea's
customer is null: a customer token reaches no other customer, whatever the path."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.schema.test_data_requests_api import CREATE, erase
from tests.support.api import GraphQLClient, customer_token
from tests.support.loyalty import one_code

REDEEM = """mutation($input: RedeemVoucherInput!) { redeemVoucher(input: $input) {
  redemption { id } userErrors { field code message } } }"""
ASSIGN = """mutation($code: String!, $id: ID!) {
  assignVoucher(input: {code: $code, customerId: $id}) { userErrors { field code } } }"""
MINE = """{ me { id vouchers { nodes { code customer { id email }
  redemptions { nodes { orderId customer { id email phone firstName } } } } } } }"""
CART = [{"sku": "A", "quantity": 1, "unitPriceMinor": 3000}]


async def _customer(gql: GraphQLClient, ref: str, **fields: str) -> str:
    made = await gql.data(CREATE, {"input": {"idempotencyKey": ref, "externalRef": ref, **fields}})
    assert made["createCustomer"]["userErrors"] == []
    cid: str = made["createCustomer"]["customer"]["id"]
    return cid


async def _used_by(gql: GraphQLClient, code: str, customer_id: str, order: str) -> None:
    used = await gql.data(
        REDEEM,
        {"input": {"code": code, "orderId": order, "cart": CART, "idempotencyKey": order,
                   "customerId": customer_id}},
    )  # fmt: skip
    assert used["redeemVoucher"]["userErrors"] == []


async def test_a_code_other_customers_used_is_reserved_for_none_of_them(
    gql: GraphQLClient,
) -> None:
    bea = await _customer(gql, "bea", email="bea@example.eu")
    ann = await _customer(gql, "ann")
    code = await one_code(gql, maxUses=5)
    await _used_by(gql, code, bea, "B-1")
    refused = (await gql.data(ASSIGN, {"code": code, "id": ann}))["assignVoucher"]
    assert refused["userErrors"] == [{"field": "code", "code": "INVALID"}]
    # Bea alone used it: it may become hers.
    assert (await gql.data(ASSIGN, {"code": code, "id": bea}))["assignVoucher"]["userErrors"] == []
    # An erased customer gets no code.
    other = await one_code(gql, name="other")
    assert (await erase(gql, ann, "erase-ann"))["userErrors"] == []
    erased = (await gql.data(ASSIGN, {"code": other, "id": ann}))["assignVoucher"]
    assert erased["userErrors"] == [{"field": "customerId", "code": "CUSTOMER_ERASED"}]


async def test_a_customer_token_reaches_no_other_customer_through_a_voucher(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    bea = await _customer(gql, "bea", email="bea@example.eu", phone="+393401234567")
    ann = await _customer(gql, "ann", email="ann@example.eu")
    code = await one_code(gql, maxUses=5)
    await _used_by(gql, code, bea, "B-1")
    async with engine.begin() as conn:  # reserved for Ann by an earlier version
        await conn.execute(
            text("UPDATE vouchers SET customer_id = :ann, assigned_at = now() WHERE code = :c"),
            {"ann": int(ann), "c": code},
        )
    await _used_by(gql, code, ann, "A-1")
    body = await gql.as_(customer_token("ann")).post(MINE)
    (voucher,) = body["data"]["me"]["vouchers"]["nodes"]
    assert voucher["customer"] == {"id": ann, "email": "ann@example.eu"}
    uses = {u["orderId"]: u["customer"] for u in voucher["redemptions"]["nodes"]}
    assert uses == {"A-1": {"id": ann, "email": "ann@example.eu", "phone": None,
                            "firstName": None}, "B-1": None}  # fmt: skip
    assert "bea@example.eu" not in str(body) and "+393401234567" not in str(body)
