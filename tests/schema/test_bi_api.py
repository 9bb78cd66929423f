"""BI over HTTP: the ROI report, cohorts, top products and card holders for a viewer, and the
refusals (a cashier without READ_REPORTS, bad arguments named)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.roi_seed import MAY, seed_roi_example

ROI = """query($since: DateTime!, $until: DateTime!) { roiReport(since: $since, until: $until) {
  rows { shop channel sales { revenueMinor orders } costs { totalMinor } }
  total { sales { revenueMinor orders averageOrderMinor activeMembers purchaseFrequency
                  repeatRate }
          costs { pointsPaidMinor vouchersMinor memberPricesMinor cardDiscountsMinor
                  currentDiscountsMinor totalMinor } }
  newMembers bonusPoints bonusValueMinor liabilityChangePoints liabilityChangeMinor
  expiredPoints breakageMinor baselinedMembers baselinedRevenueMinor baselineMinor
  incrementalRevenueMinor costMinor roi } }"""
COHORTS = """query($since: DateTime!, $until: DateTime!, $months: Int!) {
  cohorts(since: $since, until: $until, months: $months) {
    startsAt customers months { month buyers retention earned spent expired } } }"""
TOP = """query($since: DateTime!, $until: DateTime!) {
  topProducts(since: $since, until: $until, by: SKU, first: 5) { key revenueMinor } }"""
CARDS = "{ customersPerCardType { type customers active } }"


def period() -> dict[str, str]:
    assert MAY.since and MAY.until
    return {"since": MAY.since.isoformat(), "until": MAY.until.isoformat()}


async def test_the_roi_of_a_period_without_sales_is_zeros_not_an_error(
    clean_db: AsyncEngine, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given a program with no customers, orders or points yet
    viewer = gql.as_(tokens["viewer"])

    # When its ROI is read (a month, and a period inside one day)
    month = (await viewer.data(ROI, period()))["roiReport"]
    instant = {"since": "2000-01-01T00:00:00Z", "until": "2000-01-01T00:00:00.000001Z"}
    tiny = (await viewer.data(ROI, instant))["roiReport"]

    # Then every figure is zero, and the ratios of nothing are null
    for roi in (month, tiny):
        assert roi["rows"] == []
        assert roi["total"]["sales"] == {
            "revenueMinor": 0,
            "orders": 0,
            "averageOrderMinor": None,
            "activeMembers": 0,
            "purchaseFrequency": None,
            "repeatRate": None,
        }
        assert roi["total"]["costs"]["totalMinor"] == 0


async def test_a_viewer_reads_the_roi_report(
    clean_db: AsyncEngine, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    await seed_roi_example(clean_db)
    viewer = gql.as_(tokens["viewer"])

    roi = (await viewer.data(ROI, period()))["roiReport"]

    assert [(r["shop"], r["channel"]) for r in roi["rows"]] == [
        ("A", "POS"),
        ("A", "WEB"),
        ("B", "POS"),
        ("C", ""),
    ]
    assert roi["total"]["sales"] == {
        "revenueMinor": 20_000,
        "orders": 5,
        "averageOrderMinor": 4_000,
        "activeMembers": 3,
        "purchaseFrequency": "1.67",
        "repeatRate": "0.6667",
    }
    assert roi["total"]["costs"]["totalMinor"] == 1_110
    assert (roi["costMinor"], roi["incrementalRevenueMinor"], roi["roi"]) == (
        1_215,
        17_170,
        "13.1317",
    )
    assert (roi["liabilityChangeMinor"], roi["breakageMinor"]) == (-105, 6)


async def test_cohorts_products_and_cards(
    clean_db: AsyncEngine, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    await seed_roi_example(clean_db)
    viewer = gql.as_(tokens["viewer"])
    year = {"since": "2026-01-01T00:00:00Z", "until": "2026-06-01T00:00:00Z", "months": 2}

    found = (await viewer.data(COHORTS, year))["cohorts"]

    # Cy (January), Ann (March), Bob and Dee (May): May's months 1 and 2 are still to come
    # only when the report runs before them; the test runs later, so every month is there
    assert [(c["startsAt"], c["customers"]) for c in found] == [
        ("2026-01-01T00:00:00+00:00", 1),
        ("2026-03-01T00:00:00+00:00", 1),
        ("2026-05-01T00:00:00+00:00", 2),
    ]
    ann_march = found[1]["months"]
    assert [(m["month"], m["buyers"], m["retention"]) for m in ann_march] == [
        (0, 0, "0.0000"),
        (1, 0, "0.0000"),
        (2, 1, "1.0000"),
    ]
    assert (await viewer.data(TOP, period()))["topProducts"] == []  # the seed has no lines
    cards = (await viewer.data(CARDS))["customersPerCardType"]
    assert [c["type"] for c in cards] == ["POINTS", "DISCOUNT", "CURRENT_DISCOUNT", "PRIZE"]


async def test_refusals(gql: GraphQLClient, tokens: dict[str, str]) -> None:
    cashier = await gql.post(ROI, period(), token=tokens["cashier"])
    assert error_codes(cashier) == ["FORBIDDEN"]
    bad = await gql.post(COHORTS, {**period(), "months": 61})
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["extensions"]["field"] == "months"
    backwards = await gql.post(ROI, {"since": period()["until"], "until": period()["since"]})
    assert backwards["errors"][0]["extensions"]["field"] == "until"
