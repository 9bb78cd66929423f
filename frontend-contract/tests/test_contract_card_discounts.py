"""Card discounts end to end, with the operation files: the back office sets a DISCOUNT and
a CURRENT_DISCOUNT series and the combining policy; the till prices a cart under a Silver
price rule, a discount card and a current discount, records the sale with what each line
got. It is docs/card-discounts.md's worked example: every number of it is checked here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from contract_support import run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.cards import add_series, issue_card
from tests.support.ledger import assert_ledger_sound

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "card-discounts.md"
README = ROOT / "README.md"
CART = [
    {"sku": "BEANS", "quantity": 1, "unitPriceMinor": 1899},
    {"sku": "MUG", "quantity": 3, "unitPriceMinor": 899},
    {"sku": "SOCKS", "quantity": 1, "unitPriceMinor": 799, "discounted": True},
]
BANDS = [{"fromMinor": 5000, "percentBp": 500}, {"fromMinor": 15000, "percentBp": 1000}]
LAST_SALE_MINOR = 15000
# The page's inputs: prices, bands, the earning rate (1 point per 1.00); in points, the
# Silver badge's range and that rate.
INPUTS = {1899, 899, 799, 5000, 15000, 100}
POINT_INPUTS = {500, 1999, 1}
EN_DASH, TIMES = "\u2013", "\u00d7"  # as the page writes an empty cell and a quantity


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def cell(minor: int) -> str:
    return money(minor) if minor else EN_DASH


async def _program(gql: GraphQLClient, engine: AsyncEngine) -> dict[str, Any]:
    """Silver and its 10% rule, the Friends and Big spender series; Dana holding Silver and
    a card of each. Their ids."""
    silver = await run_mutation(
        gql,
        "admin/CreateBadge",
        {"input": {"title": "Silver", "minPoints": 500, "maxPoints": 1999,
                   "idempotencyKey": "silver"}},
    )  # fmt: skip
    rule = await run_mutation(
        gql,
        "admin/CreatePriceRule",
        {"input": {"name": "Silver: 10% off", "effect": "PERCENT", "percentBp": 1000,
                   "condition": "ANY_BADGE", "badgeIds": [silver["badge"]["id"]],
                   "idempotencyKey": "silver-10"}},
    )  # fmt: skip
    friends = await add_series(engine, "Friends", "DISCOUNT")
    spender = await add_series(engine, "Big spender", "CURRENT_DISCOUNT")
    await run_mutation(
        gql,
        "admin/SetCardSeriesDiscount",
        {"seriesId": str(friends), "discount": {"percentBp": 1000}},
    )
    await run_mutation(
        gql,
        "admin/SetCardSeriesDiscount",
        {"seriesId": str(spender),
         "currentDiscount": {"mode": "BANDS", "bands": BANDS, "validDays": 30}},
    )  # fmt: skip
    await run_mutation(gql, "admin/SetCardDiscountPolicy", {"mode": "BEST_SINGLE", "capBp": 10000})
    dana = await run_mutation(
        gql, "admin/CreateCustomer", {"input": {"firstName": "Dana", "idempotencyKey": "dana"}}
    )
    did = dana["customer"]["id"]
    adjustment = {"customerId": did, "points": 600, "note": "welcome", "idempotencyKey": "dana"}
    await run_mutation(gql, "admin/AdjustPoints", {"input": adjustment})
    card = await issue_card(engine, did, friends, "FR-0001", "DISCOUNT")
    await issue_card(engine, did, spender, "BS-0001", "CURRENT_DISCOUNT")
    return {"dana": did, "rule": rule["rule"]["id"], "card": str(card)}


def _table(cart: list[dict[str, Any]], priced: dict[str, Any]) -> tuple[list[str], set[int]]:
    """The worked example's table as the page writes it, and every figure in it."""

    def part(line: dict[str, Any], source: str) -> int:
        return sum(c["amountMinor"] for c in line["contributions"] if c["source"] == source)

    rows, figures = [], set()
    totals = [0] * 6
    for given, line in zip(cart, priced["lines"], strict=True):
        values = [
            given["quantity"] * given["unitPriceMinor"],
            part(line, "PRICE_RULE"),
            line["lineTotalMinor"],
            part(line, "CARD"),
            part(line, "CURRENT_DISCOUNT"),
            line["netTotalMinor"],
        ]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        figures.update(values)
        label = f"{given['sku']} {given['quantity']} {TIMES} {money(given['unitPriceMinor'])}"
        rows.append(f"| {label} | " + " | ".join(cell(v) for v in values) + " |")
    figures.update(totals)
    rows.append("| Cart | " + " | ".join(cell(v) for v in totals) + " |")
    return rows, figures


async def test_docs_worked_example_a_cart_under_a_rule_a_discount_card_and_a_current_discount(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    ids = await _program(gql, engine)
    settings = await run(gql, "admin/CardDiscounts")
    assert [s["name"] for s in settings["cardSeriesDiscounts"]] == ["Friends", "Big spender"]
    assert settings["cardDiscountPolicy"] == {"mode": "BEST_SINGLE", "capBp": 10000}
    till = gql.as_(tokens["cashier"])
    # Given Dana's last sale, 150.00
    coat = {"sku": "COAT", "quantity": 1, "unitPriceMinor": LAST_SALE_MINOR}
    last = {"orderId": "D-1", "status": "PAID", "customerId": ids["dana"], "lines": [coat]}
    await run_mutation(till, "pos/RecordPurchase", {"input": last})
    # When the till prices today's cart
    priced = (await run(till, "pos/PriceCart", {"customerId": ids["dana"], "cart": CART}))[
        "priceCart"
    ]
    # Then the page's table is what the API answers, line by line
    rows, figures = _table(CART, priced)
    page = DOC.read_text(encoding="utf-8")
    example = page.split("## Worked example", 1)[1]
    readme = README.read_text(encoding="utf-8").split("## Card types", 1)[1]
    for row in rows:
        assert row in example, row
        assert row in readme, row
    sources = {(c["source"], c["sourceId"]) for ln in priced["lines"] for c in ln["contributions"]}
    assert {s for s, _ in sources} == {"PRICE_RULE", "CARD", "CURRENT_DISCOUNT"}
    assert ("PRICE_RULE", ids["rule"]) in sources and ("CARD", ids["card"]) in sources
    # And so are the figures of its explanation: member unit prices, what is left after the
    # cards, the current discount's rounded-down shares
    left = [ln["lineTotalMinor"] - sum(
        c["amountMinor"] for c in ln["contributions"] if c["source"] == "CARD"
    ) for ln in priced["lines"]]  # fmt: skip
    off = sum(
        c["amountMinor"]
        for ln in priced["lines"]
        for c in ln["contributions"]
        if c["source"] == "CURRENT_DISCOUNT"
    )
    figures |= {ln["memberUnitPriceMinor"] for ln in priced["lines"]}
    figures |= {*left, sum(left), *(off * r // sum(left) for r in left)}
    # When the till records the sale with what each line got
    sale = {"orderId": "D-2", "status": "PAID", "customerId": ids["dana"], "lines": [
        {**given, "unitPriceMinor": ln["memberUnitPriceMinor"], "discounts": [
            {k: c[k] for k in ("source", "sourceId", "amountMinor")} for c in ln["contributions"]
        ]} for given, ln in zip(CART, priced["lines"], strict=True)
    ]}  # fmt: skip
    recorded = await run_mutation(till, "pos/RecordPurchase", {"input": sale})
    purchase = recorded["purchase"]
    # Then it is recorded as priced, earns on what she paid, and gives no new current discount
    assert purchase["cardDiscountsMinor"] == priced["cardDiscountMinor"]
    assert len(purchase["lineDiscounts"]) == sum(len(ln["contributions"]) for ln in priced["lines"])
    paid = priced["netTotalMinor"]
    assert purchase["pointsEarned"] == paid // 100
    again = (await run(till, "pos/PriceCart", {"customerId": ids["dana"], "cart": CART}))[
        "priceCart"
    ]
    assert not any(
        c["source"] == "CURRENT_DISCOUNT" for ln in again["lines"] for c in ln["contributions"]
    )
    # And every amount and point count the example names is one of these figures
    figures |= INPUTS | {paid, LAST_SALE_MINOR}
    amounts = {int(a.replace(".", "")) for a in re.findall(r"\b\d+\.\d\d\b", example)}
    assert amounts - figures == set()
    points = {int(p) for p in re.findall(r"\b(\d+) points?\b", example)}
    assert points - (POINT_INPUTS | {purchase["pointsEarned"]}) == set()
    await assert_ledger_sound(engine)
