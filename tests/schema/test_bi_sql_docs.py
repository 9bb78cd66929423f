"""Every BI figure is reproducible by the SQL docs/reports.md writes: given the ROI worked
example (plus product lines and cards), each documented query, run as written, gives what
the API answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.schema.test_bi_api import CARDS, ROI
from tests.support.api import GraphQLClient
from tests.support.purchases_sql import Line, add_purchase
from tests.support.roi_seed import MAY, at, execute, seed_roi_example

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reports.md"
BLOCK = re.compile(r"<!-- sql: ([\w-]+) -->\n\n```sql\n(.*?)```", re.S)
TYPES = {"since": DateTime(timezone=True), "until": DateTime(timezone=True)}

COHORTS = """query($since: DateTime!, $until: DateTime!, $months: Int!) {
  cohorts(since: $since, until: $until, months: $months) {
    startsAt months { month buyers earned spent expired } } }"""
TOP = """query($since: DateTime!, $until: DateTime!) {
  topProducts(since: $since, until: $until, by: SKU, first: 3) {
    key revenueMinor units buyers } }"""


def documented() -> dict[str, str]:
    found = dict(BLOCK.findall(DOCS.read_text()))
    assert {
        "cohorts",
        "top-products",
        "card-types",
        "roi-sales",
        "roi-members",
        "roi-costs",
        "roi-points",
        "roi-baseline",
    } <= set(found)
    return found


async def run(engine: AsyncEngine, sql: str, **params: Any) -> list[dict[str, Any]]:
    statement = text(sql.strip().rstrip(";"))
    statement = statement.bindparams(
        *(bindparam(n, type_=TYPES.get(n, BigInteger)) for n in params if f":{n}" in sql)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(statement, params)).mappings().all()
    return [dict(r) for r in rows]


async def seed(engine: AsyncEngine) -> dict[str, int]:
    people = await seed_roi_example(engine)
    lines = [Line("BEANS", 3, 1_500, "coffee"), Line("CUP", 2, 4_000, "kitchen", 1)]
    await add_purchase(engine, people["cy"], at(5, 12), 12_500, shop="A", lines=lines)
    await add_purchase(engine, people["ann"], at(5, 13), 1_500, shop="A", lines=lines[:1])
    await execute(engine, "INSERT INTO card_series (name, type) VALUES ('S', 'DISCOUNT')")
    for n, (who, status) in enumerate([("ann", "ACTIVE"), ("bob", "LOST"), ("cy", "ACTIVE")]):
        await execute(
            engine,
            "INSERT INTO cards (customer_id, series_id, code, type, status) "
            "VALUES (:c, 1, :code, 'DISCOUNT', :s)",
            c=people[who],
            code=f"D{n}",
            s=status,
        )
    return people


async def test_every_documented_query_gives_the_apis_figures(
    clean_db: AsyncEngine, gql: GraphQLClient
) -> None:
    await seed(clean_db)
    sql = documented()
    assert MAY.since and MAY.until
    period = {"since": MAY.since, "until": MAY.until}
    api = (await gql.data(ROI, {k: v.isoformat() for k, v in period.items()}))["roiReport"]

    # Sales per shop and channel, and for all members
    rows = await run(clean_db, sql["roi-sales"], **period)
    assert [(r["shop"], r["channel"], r["revenue_minor"], r["orders"]) for r in rows] == [
        (r["shop"], r["channel"], r["sales"]["revenueMinor"], r["sales"]["orders"])
        for r in api["rows"]
        if r["sales"]["orders"]
    ]
    (members,) = await run(clean_db, sql["roi-members"], **period)
    total = api["total"]["sales"]
    assert (members["revenue_minor"], members["orders"], members["active_members"]) == (
        total["revenueMinor"],
        total["orders"],
        total["activeMembers"],
    )
    repeat = Decimal(members["repeaters"]) / Decimal(members["active_members"])
    assert str(repeat.quantize(Decimal("0.0001"), ROUND_HALF_UP)) == total["repeatRate"]
    assert members["new_members"] == api["newMembers"]

    # Costs, points and the baseline; then ROI from the documented figures alone
    (costs,) = await run(clean_db, sql["roi-costs"], **period)
    api_costs = api["total"]["costs"]
    assert costs == {
        "points_paid_minor": api_costs["pointsPaidMinor"],
        "vouchers_minor": api_costs["vouchersMinor"],
        "member_prices_minor": api_costs["memberPricesMinor"],
        "card_discounts_minor": api_costs["cardDiscountsMinor"],
        "current_discounts_minor": api_costs["currentDiscountsMinor"],
    }
    (points,) = await run(clean_db, sql["roi-points"], **period)
    assert {k: int(v) for k, v in points.items()} == {
        "bonus_points": api["bonusPoints"],
        "bonus_value_minor": api["bonusValueMinor"],
        "liability_change_points": api["liabilityChangePoints"],
        "liability_change_minor": api["liabilityChangeMinor"],
        "expired_points": api["expiredPoints"],
        "breakage_minor": api["breakageMinor"],
    }
    (base,) = await run(clean_db, sql["roi-baseline"], **period)
    assert (base["baselined_members"], base["baselined_revenue_minor"], base["baseline_minor"]) == (
        api["baselinedMembers"],
        api["baselinedRevenueMinor"],
        api["baselineMinor"],
    )
    cost = sum(costs.values()) + int(points["bonus_value_minor"])
    incremental = base["baselined_revenue_minor"] - base["baseline_minor"]
    roi = (Decimal(incremental - cost) / cost).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    assert (cost, str(roi)) == (api["costMinor"], api["roi"])


async def test_cohorts_products_and_cards_by_their_documented_queries(
    clean_db: AsyncEngine, gql: GraphQLClient
) -> None:
    await seed(clean_db)
    sql = documented()
    year = {"since": datetime(2026, 1, 1, tzinfo=UTC), "until": datetime(2026, 6, 1, tzinfo=UTC)}

    rows = await run(clean_db, sql["cohorts"], **year, months=6)
    variables = {**{k: v.isoformat() for k, v in year.items()}, "months": 6}
    api = (await gql.data(COHORTS, variables))["cohorts"]
    active = [
        (
            datetime.fromisoformat(c["startsAt"]),
            m["month"],
            m["buyers"],
            m["earned"],
            m["spent"],
            m["expired"],
        )
        for c in api
        for m in c["months"]
        if m["buyers"] or m["earned"] or m["spent"] or m["expired"]
    ]
    assert [tuple(r.values()) for r in rows] == active and active

    assert MAY.since and MAY.until
    top = await run(clean_db, sql["top-products"], since=MAY.since, until=MAY.until, first=3)
    api_top = (
        await gql.data(TOP, {"since": MAY.since.isoformat(), "until": MAY.until.isoformat()})
    )["topProducts"]
    assert [(r["key"], r["revenue_minor"], r["units"], r["buyers"]) for r in top] == [
        (p["key"], p["revenueMinor"], p["units"], p["buyers"]) for p in api_top
    ]
    assert top[0]["key"] == "BEANS"

    cards = await run(clean_db, sql["card-types"])
    api_cards = {c["type"]: c for c in (await gql.data(CARDS))["customersPerCardType"]}
    assert [(r["type"], r["customers"], r["active"]) for r in cards] == [
        (t, api_cards[t]["customers"], api_cards[t]["active"]) for t in ("DISCOUNT",)
    ]
