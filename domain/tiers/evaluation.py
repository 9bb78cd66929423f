"""Placing customers by the tier rules: the measure of every customer computed in SQL, and
the customers whose category differs from their rung's moved in one statement.

Customers whose category was set by hand (`category_manual`) are left alone. The rows to
change are locked in id order, so two evaluations at once never deadlock each other; the
second one finds the work done (a row it waited for is checked again once locked) and
records nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text

from domain.customers.sql import PLACED_BY_RULES, category_move_ctes
from domain.events.payloads import event_type_sql, payload_sql
from domain.events.sql import APPEND_EVENTS
from domain.events.types import CategoryChanged
from domain.ledger.sql import earned_per_customer_sql
from domain.purchases.sql import spend_per_customer_sql
from domain.tiers.models import NO_RULES, TierMeasure, TierRules, TierRung
from domain.tiers.tables import tier_rules, tier_rungs
from domain.uow import UnitOfWork

ACTOR = "tier-rules"

# Only the rules' measure is computed: what customers spent (purchases') or the points they
# earned over the window up to :now (the ledger's).
_SPEND = spend_per_customer_sql(when="(SELECT measure FROM rules) = 'LIFETIME_SPEND'")
_EARNED = earned_per_customer_sql(
    since="CAST(:now AS timestamptz) - make_interval(days => (SELECT window_days FROM rules))",
    until="CAST(:now AS timestamptz)",
    when="(SELECT measure FROM rules) = 'POINTS_EARNED'",
)

# Each customer's measure under the rules, and the category its value places them in.
# :only (ids, or null for everyone) narrows it to some customers.
_PLACED = f"""
    rules AS (SELECT measure, window_days FROM tier_rules WHERE id = 1),
    spend AS ({_SPEND}),
    earned AS ({_EARNED}),
    measured AS (SELECT * FROM spend UNION ALL SELECT * FROM earned),
    placed AS (
        SELECT c.id, c.category_id AS previous, GREATEST(COALESCE(m.value, 0), 0) AS value,
               (SELECT g.category_id FROM tier_rungs g
                 WHERE g.threshold <= GREATEST(COALESCE(m.value, 0), 0)
                 ORDER BY g.threshold DESC LIMIT 1) AS target
          FROM ({PLACED_BY_RULES}) c LEFT JOIN measured m ON m.customer_id = c.id
         WHERE CAST(:only AS bigint[]) IS NULL OR c.id = ANY(CAST(:only AS bigint[]))),
    moving AS (SELECT * FROM placed WHERE target IS NOT NULL AND target <> previous)
"""

_PREVIEW = text(f"""
    WITH {_PLACED}
    SELECT previous, target, count(*) AS customers FROM moving
     GROUP BY previous, target ORDER BY previous, target
""")

_CHANGED_PAYLOAD = payload_sql(
    CategoryChanged,
    from_category_id="previous",
    to_category_id="target",
    actor="CAST(:actor AS text)",
    reason="'RULE'",
    measure="(SELECT measure FROM rules)",
    value="value",
)

# The customers moved by customers' own statement (locked in id order, each checked again
# once locked), with their events.
_APPLY = text(f"""
    WITH {_PLACED},
    {category_move_ctes("moving")},
    ev AS ({APPEND_EVENTS}
           SELECT {event_type_sql(CategoryChanged)}, id, {_CHANGED_PAYLOAD}
             FROM changed ORDER BY id)
    SELECT previous, target, count(*) AS customers FROM changed
     GROUP BY previous, target ORDER BY previous, target
""")


@dataclass(frozen=True)
class Move:
    from_category_id: int
    to_category_id: int
    customers: int


@dataclass(frozen=True)
class TierEvaluation:
    moves: list[Move]

    @property
    def moved(self) -> int:
        return sum(m.customers for m in self.moves)


async def evaluate_tiers(uow: UnitOfWork, now: datetime | None = None) -> TierEvaluation:
    """Move every customer not set by hand to the category of the highest rung their measure
    reaches (up or down), with a CategoryChanged event (reason RULE, its measure and value)
    per customer moved, in one transaction. Idempotent and safe to run twice at once: a
    customer already in place is not touched and no event is recorded twice."""
    async with uow:
        moves = await apply_rules(uow, now or datetime.now(UTC))
        await uow.commit()
    return TierEvaluation(moves)


async def apply_rules(
    uow: UnitOfWork, now: datetime, only: Sequence[int] | None = None
) -> list[Move]:
    """evaluate_tiers inside the open transaction, for `only` these customers if given."""
    rows = await uow.execute(
        _APPLY, {"now": now, "only": list(only) if only is not None else None, "actor": ACTOR}
    )
    return [Move(r.previous, r.target, r.customers) for r in rows]


async def preview_moves(uow: UnitOfWork, now: datetime) -> list[Move]:
    """The moves an evaluation would make now, in the open transaction; writes nothing."""
    rows = await uow.execute(_PREVIEW, {"now": now, "only": None})
    return [Move(r.previous, r.target, r.customers) for r in rows]


async def current_rules(uow: UnitOfWork) -> TierRules:
    """The rules in force (NO_RULES when none were set), in the open transaction."""
    row = (await uow.execute(select(tier_rules).where(tier_rules.c.id == 1))).one_or_none()
    if row is None:
        return NO_RULES
    rungs = await uow.execute(select(tier_rungs).order_by(tier_rungs.c.threshold))
    return TierRules(
        TierMeasure(row.measure),
        row.window_days,
        tuple(TierRung(r.category_id, r.threshold) for r in rungs),
        row.updated_at,
    )
