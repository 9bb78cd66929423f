"""The till's flow, with the POS frontend's own operation files and a cashier token:
scan a card, report the sale, refund part of it."""

from __future__ import annotations

from contract_support import run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from tests.support.api import GraphQLClient

CARD = "2900000012345"


async def test_cashier_scans_card_records_sale_then_refunds_one_line(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given a customer registered in the back office with a loyalty card
    # (default rule: 1 point per 1.00 spent, awarded once the order is paid).
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {"input": {"cardCode": CARD, "externalRef": "shop-42", "firstName": "Ann"}},
    )
    customer_id = created["customer"]["id"]
    till = gql.as_(tokens["cashier"])

    # When the cashier scans the card, then the till shows who it is and a zero balance.
    found = (await run(till, "pos/LookupByCard", {"code": CARD}))["customerByCard"]
    assert found["id"] == customer_id
    assert found["firstName"] == "Ann"
    assert found["category"]["name"] == "Base"
    assert found["points"] == {"balance": 0}

    # When the paid sale is reported by card: 2 x 12.50 + 1 x 7.99 = 32.99.
    sale = {
        "orderId": "T1-0001",
        "status": "PAID",
        "cardCode": CARD,
        "channel": "POS",
        "lines": [
            {"sku": "BEANS-1KG", "quantity": 2, "unitPriceMinor": 1250},
            {"sku": "MUG", "quantity": 1, "unitPriceMinor": 799},
        ],
    }
    recorded = await run_mutation(till, "pos/RecordPurchase", {"input": sale})

    # Then the receipt shows 32 points earned and the new balance.
    assert recorded["pointsAwarded"] == 32
    assert recorded["replayed"] is False
    assert recorded["purchase"]["totalMinor"] == 3299
    assert recorded["purchase"]["pointsEarned"] == 32
    assert recorded["points"] == {"balance": 32}

    # When the till retries the same report (a timeout), then nothing is credited twice.
    retried = await run_mutation(till, "pos/RecordPurchase", {"input": sale})
    assert retried["replayed"] is True
    assert retried["pointsAwarded"] == 0
    assert retried["points"] == {"balance": 32}

    # When one bag of beans is returned, then the points it carried are taken back:
    # the rest of the order (20.49) still earns 20 points.
    refund = {
        "orderId": "T1-0001",
        "idempotencyKey": "T1-0001-return-1",
        "lines": [{"sku": "BEANS-1KG", "quantity": 1}],
    }
    refunded = await run_mutation(till, "pos/RefundPurchase", {"input": refund})
    assert refunded["refund"]["amountMinor"] == 1250
    assert refunded["refund"]["pointsDue"] == 12
    assert refunded["refund"]["pointsTaken"] == 12
    assert refunded["refund"]["pointsUncollected"] == 0
    assert refunded["points"] == {"balance": 20}
    beans = next(ln for ln in refunded["purchase"]["lines"] if ln["sku"] == "BEANS-1KG")
    assert beans == {"sku": "BEANS-1KG", "quantity": 2, "refundedQuantity": 1}

    # When the refund is retried with its key, then it is not taken twice.
    again = await run_mutation(till, "pos/RefundPurchase", {"input": refund})
    assert again["replayed"] is True
    assert again["points"] == {"balance": 20}

    # Then the next scan shows the balance after the return, and the ledger is sound.
    rescanned = (await run(till, "pos/LookupByCard", {"code": CARD}))["customerByCard"]
    assert rescanned["points"] == {"balance": 20}
    async with engine.connect() as conn:
        assert await find_violations(conn) == []


async def test_unknown_card_finds_nobody_and_a_sale_on_it_is_refused(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given no customer holds the scanned card.
    till = gql.as_(tokens["cashier"])

    # When the cashier scans it, then the till finds nobody.
    assert (await run(till, "pos/LookupByCard", {"code": "NO-SUCH-CARD"})) == {
        "customerByCard": None
    }

    # When a sale is reported on it, then it is refused as NOT_FOUND and nothing is written.
    sale = {
        "orderId": "T1-0002",
        "status": "PAID",
        "cardCode": "NO-SUCH-CARD",
        "lines": [{"sku": "MUG", "quantity": 1, "unitPriceMinor": 799}],
    }
    payload = (await run(till, "pos/RecordPurchase", {"input": sale}))["recordPurchase"]
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    assert payload["purchase"] is None
