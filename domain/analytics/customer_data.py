"""The analytics' part of a customer's data: their RFM scores and what the rollups count
of them (the months they bought in, their cards per type). Kept by an erasure: figures
about a pseudonymous id, which the program-wide reports add up."""

from __future__ import annotations

from domain.analytics.tables import card_holder_counts, cohort_buyer_months, rfm_scores
from domain.data_requests.parts import CustomerDataPart, Exported, rows_where
from domain.uow import UnitOfWork


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's RFM scores, buyer months and card counts."""
    return {
        "rfm_scores": await rows_where(uow, rfm_scores, rfm_scores.c.customer_id == customer_id),
        "cohort_buyer_months": await rows_where(
            uow, cohort_buyer_months, cohort_buyer_months.c.customer_id == customer_id
        ),
        "card_holder_counts": await rows_where(
            uow, card_holder_counts, card_holder_counts.c.customer_id == customer_id
        ),
    }


PART = CustomerDataPart("analytics", (rfm_scores, cohort_buyer_months, card_holder_counts), export)
