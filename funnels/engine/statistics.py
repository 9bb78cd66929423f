"""What a funnel did, per version and step, read set-based from the engine's tables and the
owning areas' relations (the ledger's entries, the delivery's messages, the vouchers):

- enrollments: entered, active (of which waiting), completed, exited, failed;
- per step: the runs and their outcomes, the points a points step added and removed, the
  messages a send step made by status, the vouchers an issueVoucher step gave and how many
  were redeemed;
- goals: per goal, the enrollments that reached its window and those that converted, with
  their revenue, per path of each random split; the holdout path is the baseline and each
  other path's uplift is its conversion rate less the holdout's (percentage points)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import text

from domain.ledger.sql import ENTRIES
from domain.uow import UnitOfWork
from domain.vouchers.sql import VOUCHERS
from notifications.delivery.sql import MESSAGES


@dataclass
class StepFigures:
    version: int
    step_id: str
    runs: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    waiting: int = 0  # enrollments waiting at this step now
    standing: int = 0  # enrollments standing at this step now (waiting or due)
    points_added: int = 0
    points_removed: int = 0
    messages: dict[str, int] = field(default_factory=dict)  # by status
    vouchers_issued: int = 0
    vouchers_redeemed: int = 0


@dataclass(frozen=True)
class PathFigures:
    """One path of a random split, for one goal: how many went down it, how many of those
    reached the goal's window and converted, their revenue, and the uplift over the holdout
    (None for the holdout itself, or when there is none)."""

    split_step: str
    path: int
    holdout: bool
    entered: int
    converted: int
    revenue_minor: int
    conversion_rate: float
    uplift_points: float | None


@dataclass(frozen=True)
class GoalFigures:
    goal: str
    reached: int
    converted: int
    revenue_minor: int
    paths: tuple[PathFigures, ...]


@dataclass(frozen=True)
class FunnelFigures:
    entered: int
    active: int
    waiting: int
    completed: int
    exited: int
    failed: int
    steps: tuple[StepFigures, ...]
    goals: tuple[GoalFigures, ...]


_ENROLLMENTS = text("""
    SELECT version, status, step_id, waiting, count(*) AS n
      FROM funnel_enrollments WHERE funnel_id = :funnel_id
     GROUP BY version, status, step_id, waiting
""")
_RUNS = text("""
    SELECT version, step_id, outcome, count(*) AS n
      FROM funnel_step_runs WHERE funnel_id = :funnel_id
     GROUP BY version, step_id, outcome
""")
# The points steps' entries: their source names funnel, version, step and enrollment.
_POINTS = text(f"""
    SELECT split_part(x.source_ref, ':', 3) AS version, split_part(x.source_ref, ':', 4) AS step,
           COALESCE(sum(x.points) FILTER (WHERE x.points > 0), 0) AS added,
           COALESCE(-sum(x.points) FILTER (WHERE x.points < 0), 0) AS removed
      FROM ({ENTRIES}) x
     WHERE x.source_type = 'funnel' AND x.source_ref LIKE :prefix
     GROUP BY 1, 2
""")
_MESSAGES = text(f"""
    SELECT r.version, r.step_id, m.status, count(*) AS n
      FROM funnel_step_runs r JOIN ({MESSAGES}) m ON m.id = CAST(r.detail->>'message' AS bigint)
     WHERE r.funnel_id = :funnel_id AND r.detail ? 'message'
       AND jsonb_typeof(r.detail->'message') = 'number'
     GROUP BY r.version, r.step_id, m.status
""")
_VOUCHERS = text(f"""
    SELECT r.version, r.step_id, count(*) AS issued, count(*) FILTER (WHERE v.uses > 0) AS redeemed
      FROM funnel_step_runs r JOIN ({VOUCHERS}) v ON v.id = CAST(r.detail->>'voucher' AS bigint)
     WHERE r.funnel_id = :funnel_id AND r.detail ? 'voucher'
     GROUP BY r.version, r.step_id
""")
_GOALS = text("""
    SELECT goal, count(*) AS reached, count(converted_at) AS converted,
           COALESCE(sum(revenue_minor), 0) AS revenue
      FROM funnel_goals WHERE funnel_id = :funnel_id GROUP BY goal
""")
# Per goal and split path: the enrollments that went down the path (their run of the split
# records it), and of those, the ones that converted the goal.
_PATHS = text("""
    SELECT g.goal, r.step_id AS split_step, CAST(r.detail->>'path' AS integer) AS path,
           bool_or(CAST(r.detail->>'holdout' AS boolean)) AS holdout,
           count(DISTINCT r.enrollment_id) AS entered,
           count(DISTINCT r.enrollment_id) FILTER (WHERE c.converted_at IS NOT NULL)
               AS converted,
           COALESCE(sum(c.revenue_minor), 0) AS revenue
      FROM funnel_step_runs r
      CROSS JOIN (SELECT DISTINCT goal FROM funnel_goals WHERE funnel_id = :funnel_id) g
      LEFT JOIN funnel_goals c ON c.enrollment_id = r.enrollment_id AND c.goal = g.goal
     WHERE r.funnel_id = :funnel_id AND r.outcome = 'PATH'
     GROUP BY g.goal, r.step_id, CAST(r.detail->>'path' AS integer)
""")


async def funnel_figures(uow: UnitOfWork, funnel_id: int) -> FunnelFigures:
    """The funnel's figures (see the module), in the open unit of work: seven queries."""
    params = {"funnel_id": funnel_id}
    steps: dict[tuple[int, str], StepFigures] = {}

    def step(version: int, step_id: str) -> StepFigures:
        return steps.setdefault((version, step_id), StepFigures(version, step_id))

    totals: dict[str, int] = defaultdict(int)
    for row in await uow.execute(_ENROLLMENTS, params):
        totals[row.status] += row.n
        if row.status == "ACTIVE":
            here = step(row.version, row.step_id)
            here.standing += row.n
            if row.waiting:
                here.waiting += row.n
                totals["WAITING"] += row.n
    for row in await uow.execute(_RUNS, params):
        here = step(row.version, row.step_id)
        here.runs += row.n
        here.outcomes[row.outcome] = row.n
    for row in await uow.execute(_POINTS, {"prefix": f"funnel:{funnel_id}:%"}):
        here = step(int(row.version.removeprefix("v")), row.step)
        here.points_added += int(row.added)
        here.points_removed += int(row.removed)
    for row in await uow.execute(_MESSAGES, params):
        step(row.version, row.step_id).messages[row.status] = row.n
    for row in await uow.execute(_VOUCHERS, params):
        here = step(row.version, row.step_id)
        here.vouchers_issued += row.issued
        here.vouchers_redeemed += row.redeemed
    paths: dict[str, list[PathFigures]] = defaultdict(list)
    rows = list(await uow.execute(_PATHS, params))
    for row in rows:
        holdout = next((r for r in rows if r.goal == row.goal and r.split_step == row.split_step
                        and r.holdout), None)  # fmt: skip
        rate = _rate(row.converted, row.entered)
        uplift = None
        if holdout is not None and not row.holdout:
            uplift = round(rate - _rate(holdout.converted, holdout.entered), 2)
        paths[row.goal].append(PathFigures(row.split_step, row.path, bool(row.holdout),
                                           row.entered, row.converted, int(row.revenue),
                                           rate, uplift))  # fmt: skip
    goals = tuple(
        GoalFigures(row.goal, row.reached, row.converted, int(row.revenue),
                    tuple(sorted(paths[row.goal], key=lambda p: (p.split_step, p.path))))
        for row in await uow.execute(_GOALS, params)
    )  # fmt: skip
    entered = sum(v for k, v in totals.items() if k != "WAITING")
    return FunnelFigures(
        entered=entered,
        active=totals["ACTIVE"],
        waiting=totals["WAITING"],
        completed=totals["COMPLETED"],
        exited=totals["EXITED"],
        failed=totals["FAILED"],
        steps=tuple(steps[key] for key in sorted(steps)),
        goals=goals,
    )


def _rate(converted: int, entered: int) -> float:
    """Percent, two decimals."""
    return round(100.0 * converted / entered, 2) if entered else 0.0
