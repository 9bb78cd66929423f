"""Given an erased customer, when staff record an action for them, claim a reward or
convert points for them, issue them a card, update their profile or grant them consent,
then each is refused with CUSTOMER_ERASED and nothing is written: an erased customer earns,
spends and is given nothing (docs/data-protection.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.consent import change_consent
from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork
from tests.schema.test_data_requests_api import CREATE, erase
from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import points_of

ACTIONS = """mutation($input: UpdateEarningActionsInput!) { updateEarningActions(input: $input) {
  userErrors { field code message } } }"""
RECORD = """mutation($input: RecordCustomerActionInput!) { recordCustomerAction(input: $input) {
  entry { id points } userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id email consentEmail erasedAt }
  userErrors { field code message } } }"""


async def _erased_customer(gql: GraphQLClient) -> str:
    profile = {
        "idempotencyKey": "c-1",
        "externalRef": "ext-ada",
        "email": "ada@example.eu",
        "consentEmail": True,
    }
    cid: str = (await gql.data(CREATE, {"input": profile}))["createCustomer"]["customer"]["id"]
    assert (await erase(gql, cid, "erase-1"))["userErrors"] == []
    return cid


async def test_record_customer_action_does_not_credit_an_erased_customer(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given the REVIEW action earns 10 points and a customer was erased
    configured = await gql.data(
        ACTIONS,
        {"input": {"actions": [{"action": "REVIEW", "points": 10, "oncePerCustomer": False}]}},
    )
    assert configured["updateEarningActions"]["userErrors"] == []
    cid = await _erased_customer(gql)
    # When a review is recorded for them
    recorded = (
        await gql.data(
            RECORD, {"input": {"customerId": cid, "action": "REVIEW", "reference": "r1"}}
        )
    )["recordCustomerAction"]
    # Then it is refused as every other earning is (docs/data-protection.md: "Writes for the
    # customer are refused with the user error CUSTOMER_ERASED: earning ...")
    assert [e["code"] for e in recorded["userErrors"]] == ["CUSTOMER_ERASED"], recorded
    assert (await points_of(gql, cid))["balance"] == 0


async def test_update_customer_cannot_give_an_erased_customer_personal_data_back(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await _erased_customer(gql)
    # When staff set an email and email consent on the erased customer
    updated = (
        await gql.data(
            UPDATE, {"input": {"id": cid, "email": "ada@example.eu", "consentEmail": True}}
        )
    )["updateCustomer"]
    # Then it is refused: an erased customer "can no longer earn, spend or be messaged", and
    # `tessera audit` checks erased_customers_hold_no_personal_data
    assert [e["code"] for e in updated["userErrors"]] == ["CUSTOMER_ERASED"], updated
    # Nor does a consent change grant it again (withdrawing, already withdrawn, is harmless)
    with pytest.raises(DomainError) as refused:
        await change_consent(UnitOfWork(engine), cid, "EMAIL", True, "STAFF", "staff:admin")
    assert refused.value.problems[0].code is ErrorCode.CUSTOMER_ERASED
    await change_consent(UnitOfWork(engine), cid, "EMAIL", False, "UNSUBSCRIBE_LINK", "link")
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT email, consent_email FROM customers WHERE id = :id"), {"id": int(cid)}
            )
        ).one()
    assert tuple(row) == (None, False)
    await assert_ledger_sound(engine)


async def test_an_erased_customer_cannot_spend_points_on_rewards_or_vouchers(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    from tests.schema.test_data_requests_api import CLAIM, REWARD
    from tests.schema.test_voucher_conversion_api import configure, convert
    from tests.support.loyalty import customer_with

    # Given a customer with 5,000 points, a reward and voucher conversion on; then erased
    cid = await customer_with(gql, 5000)
    mug = {
        "name": "Mug", "kind": "FREE_PRODUCT", "costPoints": 300,
        "voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG", "validityDays": 60},
        "idempotencyKey": "rw-1",
    }  # fmt: skip
    rid = (await gql.data(REWARD, {"input": mug}))["createReward"]["reward"]["id"]
    assert (await configure(gql))["userErrors"] == []
    assert (await erase(gql, cid, "erase-1"))["userErrors"] == []
    # When staff claim the reward for them, or convert their points to a voucher
    claimed = (
        await gql.data(
            CLAIM, {"input": {"rewardId": rid, "customerId": cid, "idempotencyKey": "k1"}}
        )
    )["claimReward"]
    converted = await convert(gql, cid, 1000, "k2")
    # Then both are refused: "An erased customer can no longer earn, spend or be messaged"
    # (Customer.erasedAt), as redeemPoints and holdPoints are (CUSTOMER_ERASED)
    got = {
        "claimReward": [e["code"] for e in claimed["userErrors"]],
        "convertPointsToVoucher": [e["code"] for e in converted["userErrors"]],
    }
    assert got == {
        "claimReward": ["CUSTOMER_ERASED"],
        "convertPointsToVoucher": ["CUSTOMER_ERASED"],
    }
    assert (await points_of(gql, cid))["balance"] == 5000


async def test_an_erased_customer_gets_no_card(gql: GraphQLClient, engine: AsyncEngine) -> None:
    from tests.schema.test_cards_api import ISSUE

    cid = await _erased_customer(gql)
    issued = (await gql.data(ISSUE, {"input": {"customerId": cid, "idempotencyKey": "i1"}}))[
        "issueCard"
    ]
    assert [(e["field"], e["code"]) for e in issued["userErrors"]] == [
        ("customerId", "CUSTOMER_ERASED")
    ]
    async with engine.connect() as conn:
        cards = await conn.execute(text("SELECT count(*) FROM cards WHERE status = 'ACTIVE'"))
        assert cards.scalar_one() == 0
