"""What analytics lets other areas embed: the RFM scores as a Core relation (segment
filters compare them)."""

from __future__ import annotations

from sqlalchemy import Subquery, select

from domain.analytics.tables import rfm_scores

_s = rfm_scores.c


def rfm_relation() -> Subquery:
    """Every scored customer: customer_id, recency, frequency, monetary (1 to 5 each)."""
    return select(_s.customer_id, _s.recency, _s.frequency, _s.monetary).subquery("rfm")
