"""The back office's BI pages through their own operation files: the ROI report, cohorts,
top products and card holders read with a viewer's token over docs/reports.md's worked
example; RFM recomputed by a marketer and read on the customer. Tills may not read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract_support import operation, run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.purchases_sql import add_purchase
from tests.support.reports import new_customer
from tests.support.roi_seed import seed_roi_example

MAY = {"since": "2026-05-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"}


async def test_the_bi_pages_operations(
    clean_db: AsyncEngine, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    await seed_roi_example(clean_db)
    viewer = gql.as_(tokens["viewer"])

    roi = (await run(viewer, "admin/RoiReport", MAY))["roiReport"]
    assert (roi["costMinor"], roi["incrementalRevenueMinor"], roi["roi"]) == (
        1_215,
        17_170,
        "13.1317",
    )
    assert roi["total"]["sales"]["revenueMinor"] == 20_000 and len(roi["rows"]) == 4
    year = {"since": "2026-01-01T00:00:00Z", "until": "2026-06-01T00:00:00Z", "months": 1}
    cohorts = (await run(viewer, "admin/Cohorts", year))["cohorts"]
    assert [c["customers"] for c in cohorts] == [1, 1, 2]
    assert (await run(viewer, "admin/TopProducts", {**MAY, "by": "PRODUCT_LINE"})) == {
        "topProducts": []
    }
    cards = (await run(viewer, "admin/CustomersPerCardType"))["customersPerCardType"]
    assert len(cards) == 4
    cashier = await gql.post(operation("admin/RoiReport"), MAY, token=tokens["cashier"])
    assert error_codes(cashier) == ["FORBIDDEN"]


async def test_rfm_recomputed_and_read(
    clean_db: AsyncEngine, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    buyer = await new_customer(clean_db, "buyer")
    await add_purchase(clean_db, buyer, datetime.now(UTC) - timedelta(days=2), 4_200)
    marketer = gql.as_(tokens["marketer"])
    done = await run_mutation(marketer, "admin/RecomputeRfm", {"input": {"idempotencyKey": "x"}})
    assert done["run"]["customers"] == 1 and done["run"]["finishedAt"]
    shown = await run(gql.as_(tokens["viewer"]), "admin/CustomerRfm", {"id": str(buyer)})
    assert shown["customer"]["rfm"]["spendMinor"] == 4_200
    assert shown["customer"]["rfm"]["purchases"] == 1
    summary = (await run(gql.as_(tokens["viewer"]), "admin/RfmSummary"))["rfmSummary"]
    assert summary["customers"] == 1 and sum(summary["recency"]) == 1
