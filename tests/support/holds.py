"""A till's holds and redemptions through the API, on a 100.00 cart, for the checkout tests."""

from __future__ import annotations

from typing import Any

from tests.support.api import GraphQLClient

CART = [{"sku": "A", "quantity": 4, "unitPriceMinor": 2500}]  # 100.00

CREATE = """mutation($ref: String!) { createCustomer(input: {cardCode: $ref, externalRef: $ref,
  idempotencyKey: $ref}) { customer { id } userErrors { field code } } }"""
CREDIT = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    userErrors { field code } } }"""
HOLD = """mutation($input: HoldPointsInput!) { holdPoints(input: $input) {
  hold { id points status valueMinor } points { balance held spendable } replayed
  userErrors { field code } } }"""
CAPTURE = """mutation($id: ID!) { captureHold(input: {holdId: $id}) {
  hold { status entryId } points { balance held spendable }
  userErrors { field code } } }"""
RELEASE = """mutation($id: ID!) { releaseHold(input: {holdId: $id}) {
  hold { status } points { balance held spendable } userErrors { field code } } }"""
REDEEM = """mutation($input: RedeemPointsInput!) { redeemPoints(input: $input) {
  redemption { id points valueMinor } points { balance held spendable } replayed
  userErrors { field code } } }"""
RULES = """mutation($input: UpdateRedemptionRulesInput!) {
  updateRedemptionRules(input: $input) { userErrors { field code } } }"""


async def customer(gql: GraphQLClient, ref: str = "C-1", points: int = 1000) -> str:
    cid: str = (await gql.data(CREATE, {"ref": ref}))["createCustomer"]["customer"]["id"]
    if points:
        await gql.data(CREDIT, {"id": cid, "points": points, "key": f"credit-{ref}"})
    return cid


async def hold(gql: GraphQLClient, cid: str, points: int, key: str, **more: Any) -> Any:
    fields = {"orderId": f"O-{key}", "cart": CART, **more}
    variables = {"input": {"customerId": cid, "points": points, "idempotencyKey": key, **fields}}
    return (await gql.data(HOLD, variables))["holdPoints"]


async def redeem(gql: GraphQLClient, cid: str, points: int, key: str, **more: Any) -> Any:
    fields = {"orderId": f"O-{key}", "cart": CART, **more}
    variables = {"input": {"customerId": cid, "points": points, "idempotencyKey": key, **fields}}
    return (await gql.data(REDEEM, variables))["redeemPoints"]
