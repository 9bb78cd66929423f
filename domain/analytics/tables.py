"""The RFM runs and the scores they give, and the cohort, card type and top products rollups
with their watermarks: analytics owns these tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.metadata import metadata

# One row per computation: its moment, its window and the quintile cutoffs every batch of
# the run scores against (so the scores of one run are comparable whatever the batch).
rfm_runs = Table(
    "rfm_runs",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Column("window_days", Integer, nullable=False),
    # The 20th, 40th, 60th and 80th percentiles (percentile_disc) of the scored customers'
    # last purchase (as epoch seconds), number of orders and net spend.
    Column("recency_cutoffs", ARRAY(BigInteger), nullable=False),
    Column("frequency_cutoffs", ARRAY(BigInteger), nullable=False),
    Column("monetary_cutoffs", ARRAY(BigInteger), nullable=False),
    Column("customers_scored", BigInteger, nullable=False),
    Column("actor", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    CheckConstraint("window_days > 0", name="window_positive"),
    CheckConstraint("customers_scored >= 0", name="customers_nonnegative"),
)

rfm_scores = Table(
    "rfm_scores",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), primary_key=True),
    Column("recency", SmallInteger, nullable=False),
    Column("frequency", SmallInteger, nullable=False),
    Column("monetary", SmallInteger, nullable=False),
    # What the scores were computed from: the window's orders, net spend and last order.
    Column("orders", BigInteger, nullable=False),
    Column("spend_minor", BigInteger, nullable=False),
    Column("last_purchase_at", DateTime(timezone=True), nullable=False),
    Column("run_id", BigInteger, ForeignKey("rfm_runs.id"), nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "recency BETWEEN 1 AND 5 AND frequency BETWEEN 1 AND 5 AND monetary BETWEEN 1 AND 5",
        name="scores_range",
    ),
    # A run's clean-up finds the rows other runs left.
    Index("ix_rfm_scores_run_id", "run_id"),
)

# How far the analytics' rollups have consumed each stream they read: "customers" (customer
# ids), "ledger" (entry ids) and "purchases" (purchases.made_seq). domain/watermarks.py moves them.
# The top products' rollups keep theirs too ("products_made", "products_refunds").
analytics_rollup_state = Table(
    "analytics_rollup_state",
    metadata,
    Column("stream", Text, primary_key=True),
    Column("rolled_to", BigInteger, nullable=False, server_default=text("0")),
    Column("pending_to", BigInteger),
    Column("pending_vxids", ARRAY(Text)),
    Column("pending_at", DateTime(timezone=True)),
    Column("rolled_at", DateTime(timezone=True)),
    CheckConstraint("pending_to IS NULL OR pending_to > rolled_to", name="pending_ahead"),
)

# The cohorts report's figures per UTC registration day of the customers and UTC calendar
# month of their activity (from the registration month on): customers who made an order in
# that month, and points earned, spent and expired in it (domain/analytics/cohorts.py says
# what counts). Up to the watermarks; the report adds the tail.
cohort_activity = Table(
    "cohort_activity",
    metadata,
    Column("registered_on", Date, nullable=False),
    Column("month", Date, nullable=False),
    Column("buyers", BigInteger, nullable=False, server_default=text("0")),
    Column("earned", BigInteger, nullable=False, server_default=text("0")),
    Column("spent", BigInteger, nullable=False, server_default=text("0")),
    Column("expired", BigInteger, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("registered_on", "month"),
)

# How many customers registered on each UTC day (the cohorts' sizes), up to the watermark
# on customer ids.
cohort_registrations = Table(
    "cohort_registrations",
    metadata,
    Column("registered_on", Date, primary_key=True),
    Column("registered", BigInteger, nullable=False),
)

# The months in which a customer is already counted as a buyer in cohort_activity (a
# later order in the same month adds no buyer).
cohort_buyer_months = Table(
    "cohort_buyer_months",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("month", Date, nullable=False),
    PrimaryKeyConstraint("customer_id", "month"),
)

# Each customer's cards per type and status, as the card rollup job last counted them
# (domain/analytics/card_rollups.py), and their totals per type: the customers holding an
# active card of it, and its cards by status.
card_holder_counts = Table(
    "card_holder_counts",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("type", Text, nullable=False),
    Column("active", BigInteger, nullable=False),
    Column("blocked", BigInteger, nullable=False),
    Column("lost", BigInteger, nullable=False),
    Column("replaced", BigInteger, nullable=False),
    PrimaryKeyConstraint("customer_id", "type"),
)

card_type_totals = Table(
    "card_type_totals",
    metadata,
    Column("type", Text, primary_key=True),
    Column("holders", BigInteger, nullable=False),  # customers with an active card of it
    Column("active", BigInteger, nullable=False),
    Column("blocked", BigInteger, nullable=False),
    Column("lost", BigInteger, nullable=False),
    Column("replaced", BigInteger, nullable=False),
)

# The ROI report's figures per UTC day, shop and channel (domain/analytics/roi_rollups.py):
# member revenue and orders (orders by the day they occurred), the revenue of baselined
# members, and the costs (points paid and voucher uses by the day they were made, line
# discounts by their order's day). Recomputed from the rows for each day a batch touches.
roi_days = Table(
    "roi_days",
    metadata,
    Column("day", Date, nullable=False),
    Column("shop", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("revenue_minor", BigInteger, nullable=False),
    Column("orders", BigInteger, nullable=False),
    Column("baselined_revenue_minor", BigInteger, nullable=False),
    Column("points_paid_minor", BigInteger, nullable=False),
    Column("vouchers_minor", BigInteger, nullable=False),
    Column("member_prices_minor", BigInteger, nullable=False),
    Column("card_discounts_minor", BigInteger, nullable=False),
    Column("current_discounts_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("day", "shop", "channel"),
)


def _buyers(name: str, period: str) -> Table:
    """Members who made an order in the day or month at the shop and channel (`buyers`),
    and those of them who made two or more (`multi`): customer ids as roaring bitmaps
    (domain/analytics/buyer_sets.py)."""
    return Table(
        name,
        metadata,
        Column(period, Date, nullable=False),
        Column("shop", Text, nullable=False),
        Column("channel", Text, nullable=False),
        Column("buyers", LargeBinary, nullable=False),
        Column("multi", LargeBinary, nullable=False),
        PrimaryKeyConstraint(period, "shop", "channel"),
    )


roi_buyer_days = _buyers("roi_buyer_days", "day")
roi_buyer_months = _buyers("roi_buyer_months", "month")

# The pre-join baseline's sums per UTC registration day: the members registered that day
# with orders in the year before (baselined), what those orders came to, net of refunds
# (pre_join_minor), and each member's sum times their registration moment in epoch
# seconds, added up (pre_join_at): the report's baseline is linear in both.
roi_registration_days = Table(
    "roi_registration_days",
    metadata,
    Column("registered_on", Date, primary_key=True),
    Column("baselined", BigInteger, nullable=False),
    Column("pre_join_minor", BigInteger, nullable=False),
    Column("pre_join_at", Numeric, nullable=False),
)

# The top products report's figures per UTC day of the orders' occurred_at, per SKU or
# product line (grouping SKU or PRODUCT_LINE; key "" for lines filed under no product line):
# revenue and units of the lines sold (units net of returns, > 0) in orders made, and their
# buyers as a roaring bitmap of customer ids (domain/analytics/buyer_sets.py). Each day is
# recomputed whole from the rows by domain/analytics/product_rollups.py.
product_days = Table(
    "product_days",
    metadata,
    Column("day", Date, nullable=False),
    Column("grouping", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("revenue_minor", BigInteger, nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("buyers", LargeBinary, nullable=False),
    CheckConstraint("grouping IN ('SKU', 'PRODUCT_LINE')", name="grouping_known"),
    PrimaryKeyConstraint("day", "grouping", "key"),
)

# The same per UTC calendar month (its first day): the sums and the union of its days.
product_months = Table(
    "product_months",
    metadata,
    Column("month", Date, nullable=False),
    Column("grouping", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("revenue_minor", BigInteger, nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("buyers", LargeBinary, nullable=False),
    CheckConstraint("grouping IN ('SKU', 'PRODUCT_LINE')", name="grouping_known"),
    PrimaryKeyConstraint("month", "grouping", "key"),
)
