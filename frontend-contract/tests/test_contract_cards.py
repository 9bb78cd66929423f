"""The till's card flows and the program's card series, with the frontends' own operation
files: a manager makes a series; the cashier reads cards (accepted, or refused with the
reason), issues one, blocks and unblocks it, reports the primary card lost and replaces it,
and the customer keeps its points; the back office's customer page lists the cards."""

from __future__ import annotations

from contract_support import run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from tests.support.api import GraphQLClient

CARD = "2900000012345"


async def test_cashier_reads_blocks_and_replaces_cards_and_the_points_stay(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    manager = gql.as_(tokens["manager"])
    prize = await run_mutation(
        manager,
        "admin/CreateCardSeries",
        {"input": {"idempotencyKey": "prize", "name": "Prize card", "type": "PRIZE",
                   "checkDigit": "LUHN", "prefix": "77", "codeLength": 10}},
    )  # fmt: skip
    series_id = prize["series"]["id"]
    listed = (await run(manager, "admin/CardSeriesList"))["cardSeries"]
    assert [s["name"] for s in listed] == ["Prize card"]
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {"input": {"cardCode": CARD, "firstName": "Ann", "idempotencyKey": "ann"}},
    )
    cid = created["customer"]["id"]
    till = gql.as_(tokens["cashier"])
    sale = {
        "orderId": "C-1",
        "status": "PAID",
        "cardCode": CARD,
        "lines": [{"sku": "MUG", "quantity": 1, "unitPriceMinor": 4200}],
    }
    await run_mutation(till, "pos/RecordPurchase", {"input": sale})

    # The cashier gives Ann a prize card, its code the series' next
    issued = await run_mutation(
        till,
        "pos/IssueCard",
        {"input": {"customerId": cid, "seriesId": series_id, "idempotencyKey": "prize-ann"}},
    )
    prize_code = issued["card"]["code"]
    assert prize_code.startswith("77") and len(prize_code) == 10
    read = (await run(till, "pos/CardLookup", {"code": prize_code}))["cardLookup"]
    assert read["refusal"] is None and read["card"]["type"] == "PRIZE"
    assert read["customer"]["id"] == cid and read["customer"]["points"]["balance"] == 42

    # Blocked, it is refused with its reason; unblocked, accepted again
    await run_mutation(till, "pos/BlockCard", {"input": {"code": prize_code, "reason": "bent"}})
    read = (await run(till, "pos/CardLookup", {"code": prize_code}))["cardLookup"]
    assert read["refusal"]["code"] == "CARD_BLOCKED" and "bent" in read["refusal"]["message"]
    await run_mutation(till, "pos/UnblockCard", {"input": {"code": prize_code}})
    assert (await run(till, "pos/CardLookup", {"code": prize_code}))["cardLookup"][
        "refusal"
    ] is None

    # The loyalty card is lost: reported, replaced by a scanned code; the points stay
    await run_mutation(till, "pos/ReportCardLost", {"input": {"code": CARD, "reason": "bus"}})
    read = (await run(till, "pos/CardLookup", {"code": CARD}))["cardLookup"]
    assert read["refusal"]["code"] == "CARD_LOST"
    replaced = await run_mutation(
        till,
        "pos/ReplaceCard",
        {"input": {"lostCode": CARD, "newCode": "2900000012352", "idempotencyKey": "rep-1"}},
    )
    assert replaced["card"]["isPrimary"] is True
    read = (await run(till, "pos/CardLookup", {"code": "2900000012352"}))["cardLookup"]
    assert read["customer"]["cardCode"] == "2900000012352"
    assert read["customer"]["points"]["balance"] == 42
    old = (await run(till, "pos/CardLookup", {"code": CARD}))["cardLookup"]
    assert old["refusal"]["code"] == "CARD_REPLACED"
    refused = await run(till, "pos/RecordPurchase", {"input": {**sale, "orderId": "C-2"}})
    assert [e["code"] for e in refused["recordPurchase"]["userErrors"]] == ["CARD_REPLACED"]

    # The prize card becomes the primary one; the card page and the customer page list all
    await run_mutation(till, "pos/SetPrimaryCard", {"input": {"code": prize_code}})
    page = await run(till, "pos/CustomerCards", {"id": cid})
    assert page["customer"]["cardCode"] == prize_code
    assert [(c["code"], c["status"]) for c in page["customer"]["cards"]] == [
        (prize_code, "ACTIVE"),
        ("2900000012352", "ACTIVE"),
        (CARD, "REPLACED"),
    ]
    customer = (await run(gql, "admin/Customer360", {"id": cid, "expiringWithinDays": 30}))[
        "customer"
    ]
    assert len(customer["cards"]) == 3

    # The manager closes the series
    closed = await run_mutation(
        manager, "admin/UpdateCardSeries", {"input": {"id": series_id, "active": False}}
    )
    assert closed["series"]["active"] is False
    async with engine.connect() as conn:
        assert await find_violations(conn) == []
