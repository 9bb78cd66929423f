"""A funnel's figures (funnels.engine.statistics) over GraphQL, under READ_REPORTS."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError, Problems
from domain.uow import read
from domain.validation import parse_id
from funnels.definitions import queries
from funnels.engine.statistics import (
    FunnelFigures,
    GoalFigures,
    PathFigures,
    StepFigures,
    funnel_figures,
)
from schema.context import Info
from schema.errors import query_error
from schema.permissions import requires


@strawberry.type(name="FunnelCount")
class CountType:
    name: str = strawberry.field(description="A status (messages) or an outcome (step runs).")
    count: int


def _counts(found: dict[str, int]) -> list[CountType]:
    return [CountType(name=k, count=v) for k, v in sorted(found.items())]


@strawberry.type(name="FunnelStepStatistics")
class StepStatisticsType:
    version: int
    step_id: str
    runs: int = strawberry.field(description="Times the step ran.")
    outcomes: list[CountType] = strawberry.field(description="Runs by outcome.")
    standing: int = strawberry.field(description="Enrollments at this step now.")
    waiting: int = strawberry.field(description="Of those, waiting for their wake-up time.")
    points_added: int
    points_removed: int
    messages: list[CountType] = strawberry.field(description="Messages made, by status.")
    vouchers_issued: int
    vouchers_redeemed: int

    @classmethod
    def of(cls, s: StepFigures) -> StepStatisticsType:
        return cls(
            version=s.version,
            step_id=s.step_id,
            runs=s.runs,
            outcomes=_counts(s.outcomes),
            standing=s.standing,
            waiting=s.waiting,
            points_added=s.points_added,
            points_removed=s.points_removed,
            messages=_counts(s.messages),
            vouchers_issued=s.vouchers_issued,
            vouchers_redeemed=s.vouchers_redeemed,
        )


@strawberry.type(name="FunnelSplitPathStatistics")
class PathStatisticsType:
    split_step_id: str
    path: int = strawberry.field(description="The path's index in the split's `paths`.")
    holdout: bool
    entered: int
    converted: int
    revenue_minor: int
    conversion_rate: float = strawberry.field(description="Percent of `entered`.")
    uplift_points: float | None = strawberry.field(
        description="Conversion rate less the holdout's, in percentage points (null for the "
        "holdout, or without one)."
    )

    @classmethod
    def of(cls, p: PathFigures) -> PathStatisticsType:
        return cls(
            split_step_id=p.split_step,
            path=p.path,
            holdout=p.holdout,
            entered=p.entered,
            converted=p.converted,
            revenue_minor=p.revenue_minor,
            conversion_rate=p.conversion_rate,
            uplift_points=p.uplift_points,
        )


@strawberry.type(name="FunnelGoalStatistics")
class GoalStatisticsType:
    goal: str
    reached: int = strawberry.field(description="Enrollments whose goal window opened.")
    converted: int
    revenue_minor: int
    paths: list[PathStatisticsType]

    @classmethod
    def of(cls, g: GoalFigures) -> GoalStatisticsType:
        return cls(
            goal=g.goal,
            reached=g.reached,
            converted=g.converted,
            revenue_minor=g.revenue_minor,
            paths=[PathStatisticsType.of(p) for p in g.paths],
        )


@strawberry.type(name="FunnelStatistics")
class FunnelStatisticsType:
    entered: int
    active: int
    waiting: int
    completed: int
    exited: int
    failed: int
    steps: list[StepStatisticsType]
    goals: list[GoalStatisticsType]

    @classmethod
    def of(cls, f: FunnelFigures) -> FunnelStatisticsType:
        return cls(
            entered=f.entered,
            active=f.active,
            waiting=f.waiting,
            completed=f.completed,
            exited=f.exited,
            failed=f.failed,
            steps=[StepStatisticsType.of(s) for s in f.steps],
            goals=[GoalStatisticsType.of(g) for g in f.goals],
        )


@strawberry.type
class FunnelStatisticsQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.READ_REPORTS)],
        description="What the funnel did: enrollments by status, each step's runs, points, "
        "messages and vouchers, and each goal's conversions per split path with the uplift "
        "over the holdout. Null when there is no such funnel.",
    )
    async def funnel_statistics(self, info: Info, id: strawberry.ID) -> FunnelStatisticsType | None:
        problems = Problems()
        funnel_id = parse_id(problems, "id", id)
        if problems.items:
            raise query_error(DomainError(problems.items))
        if await queries.get_funnel(info.context.new_uow(), funnel_id) is None:
            return None
        figures = await read(info.context.new_uow(), lambda uow: funnel_figures(uow, funnel_id))
        return FunnelStatisticsType.of(figures)
