"""The ROI report's statements (domain/analytics/roi.py says what each figure means and how
the report splits the period; the same figures, written plainly over the rows, are in
docs/reports.md). Each reads the rollups (domain/analytics/roi_rollups.py) for the clean
whole days, and the rows over the ranges bound as :range_lo and :range_hi for the rest."""

from __future__ import annotations

from sqlalchemy import text

from domain.analytics.roi_figures import (
    BASELINED,
    DAY_FIGURES,
    EPOCH,
    FIGURE_COLUMNS,
    MEMBER_ORDERS,
    RANGES,
)
from domain.checkout.sql import REDEMPTION_RATE
from domain.customers.sql import CUSTOMERS
from domain.ledger.rollup_reads import period_groups_sql

_SINCE = "CAST(:since AS timestamptz)"
_UNTIL = "CAST(:until AS timestamptz)"
# (The grand total's row exists even over no rows: its sums are then 0, not null.)
_SUMS = ", ".join(f"CAST(COALESCE(sum({c}), 0) AS bigint) AS {c}" for c in FIGURE_COLUMNS)
_COLUMNS = ", ".join(FIGURE_COLUMNS)

# Sales and costs per (shop, channel), then for all (shop and channel null): the days
# :days from roi_days, the ranges from the rows.
SALES_AND_COSTS = text(f"""
    WITH {RANGES}, {MEMBER_ORDERS}, {DAY_FIGURES}
    SELECT shop, channel, {_SUMS}
      FROM (SELECT shop, channel, {_COLUMNS} FROM roi_days
             WHERE day = ANY(CAST(:days AS date[]))
            UNION ALL
            SELECT shop, channel, {_COLUMNS} FROM day_figures) f
     GROUP BY GROUPING SETS ((shop, channel), ())""")

# The member buyer sets of the clean whole months :months and of the clean days :days.
BUYER_SETS = text("""
    SELECT shop, channel, buyers, multi FROM roi_buyer_months
     WHERE month = ANY(CAST(:months AS date[]))
    UNION ALL
    SELECT shop, channel, buyers, multi FROM roi_buyer_days
     WHERE day = ANY(CAST(:days AS date[]))""")

# The baselined members registered before :until and the sum, over them, of their pre-join
# orders times the seconds they were members in the period (`weighted`): registration
# days before :since_day (a member the whole period) and in [:lo_day, :hi_day) (from
# registering to :until), but not :dirty, from the rollups; the ranges from the rows.
BASELINE = text(f"""
    WITH {RANGES}, {BASELINED},
    parts AS (
        SELECT baselined AS members,
               pre_join_minor * {EPOCH.format(f"{_UNTIL} - {_SINCE}")} AS weighted
          FROM roi_registration_days
         WHERE registered_on < :since_day
           AND registered_on <> ALL(CAST(:dirty AS date[]))
        UNION ALL
        SELECT baselined, pre_join_minor * {EPOCH.format(_UNTIL)} - pre_join_at
          FROM roi_registration_days
         WHERE registered_on >= :lo_day AND registered_on < :hi_day
           AND registered_on <> ALL(CAST(:dirty AS date[]))
        UNION ALL
        SELECT 1, pre_join_minor * {EPOCH.format(f"{_UNTIL} - GREATEST({_SINCE}, created_at)")}
          FROM baselined WHERE created_at < {_UNTIL})
    SELECT CAST(COALESCE(sum(members), 0) AS bigint) AS members,
           COALESCE(sum(weighted), 0) AS weighted
      FROM parts""")

# The program's figures for the period: new members; gift and bonus points (credits of
# GIFT, ACTION and MANUAL entries); the change of the points outstanding (every entry's
# points) and what expired, from the ledger's rollups plus the entries they do not hold
# (:rolled_to, the ledger's watermark read in the same snapshot: reversals grouped apart);
# the redemption rate.
PROGRAM = text(f"""
    WITH g AS MATERIALIZED ({period_groups_sql()})
    SELECT (SELECT count(*) FROM ({CUSTOMERS}) c
             WHERE created_at >= {_SINCE} AND created_at < {_UNTIL}) AS new_members,
           (SELECT CAST(COALESCE(sum(points), 0) AS bigint) FROM g
             WHERE credit AND NOT reversal AND kind IN ('GIFT', 'ACTION', 'MANUAL'))
               AS bonus_points,
           (SELECT CAST(COALESCE(sum(points), 0) AS bigint) FROM g) AS liability_change_points,
           (SELECT CAST(COALESCE(-sum(points), 0) AS bigint) FROM g
             WHERE kind = 'EXPIRY' AND NOT reversal) AS expired_points,
           rate.points_per_unit, rate.value_per_unit_minor
      FROM ({REDEMPTION_RATE}) rate""")
