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

from domain.events.payloads import event_type_sql, payload_sql
from domain.events.types import CategoryChanged
from domain.tiers.models import NO_RULES, TierMeasure, TierRules, TierRung
from domain.tiers.tables import tier_rules, tier_rungs
from domain.uow import UnitOfWork

ACTOR = "tier-rules"

# Each customer's measure under the rules, and the category its value places them in.
# :only (ids, or null for everyone) narrows it to some customers.
_PLACED = """
    rules AS (SELECT measure, window_days FROM tier_rules WHERE id = 1),
    spend AS (
        SELECT p.customer_id, sum(p.total_minor - COALESCE(r.refunded, 0)) AS value
          FROM purchases p
          LEFT JOIN (SELECT purchase_id, sum(amount_minor) AS refunded FROM refunds
                      GROUP BY purchase_id) r ON r.purchase_id = p.id
         WHERE p.status IN ('PAID', 'COMPLETED')
           AND (SELECT measure FROM rules) = 'LIFETIME_SPEND'
         GROUP BY p.customer_id),
    earned AS (
        SELECT customer_id, sum(points) AS value FROM ledger_entries
         WHERE (SELECT measure FROM rules) = 'POINTS_EARNED'
           AND created_at > CAST(:now AS timestamptz)
                            - make_interval(days => (SELECT window_days FROM rules))
           AND created_at <= CAST(:now AS timestamptz)
           AND ((points > 0 AND kind NOT IN ('REVERSAL', 'REDEMPTION_REFUND'))
                OR kind = 'REFUND' OR (kind = 'REVERSAL' AND points < 0))
         GROUP BY customer_id),
    measured AS (SELECT * FROM spend UNION ALL SELECT * FROM earned),
    placed AS (
        SELECT c.id, c.category_id AS previous, GREATEST(COALESCE(m.value, 0), 0) AS value,
               (SELECT g.category_id FROM tier_rungs g
                 WHERE g.threshold <= GREATEST(COALESCE(m.value, 0), 0)
                 ORDER BY g.threshold DESC LIMIT 1) AS target
          FROM customers c LEFT JOIN measured m ON m.customer_id = c.id
         WHERE NOT c.category_manual
           AND (CAST(:only AS bigint[]) IS NULL OR c.id = ANY(CAST(:only AS bigint[])))),
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

# FOR UPDATE hands back each row as it is once locked, so `previous` is the category the
# change really replaces; the UPDATE checks the row again (a concurrent evaluation or a
# manual change may have got there first).
_APPLY = text(f"""
    WITH {_PLACED},
    locked AS (SELECT c.id, c.category_id AS previous FROM customers c
                 JOIN moving m ON m.id = c.id ORDER BY c.id FOR UPDATE OF c),
    changed AS (UPDATE customers c SET category_id = m.target, updated_at = now()
                  FROM moving m JOIN locked l ON l.id = m.id
                 WHERE c.id = m.id AND NOT c.category_manual AND c.category_id <> m.target
                RETURNING c.id, l.previous, m.target, m.value),
    ev AS (INSERT INTO domain_events (type, customer_id, payload)
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
