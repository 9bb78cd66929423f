"""simulateFunnel: the funnel dry run (funnels.simulation) over GraphQL, under
MANAGE_FUNNELS like validateFunnel. A query: it writes nothing (the run is a read-only
transaction). Converted from the dry run's values at the edge."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError, ErrorCode
from funnels.simulation import (
    AudienceBasis,
    MessageFigures,
    PathFigures,
    PathKind,
    PointsFigures,
    Simulation,
    SimulationRequest,
    StepSimulation,
    StopReason,
    VoucherFigures,
    simulate_funnel,
)
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.notifications.types import MessageChannel
from schema.permissions import requires
from schema.scalars import JSON, BigInt, Money

AudienceBasisEnum = strawberry.enum(
    AudienceBasis,
    name="FunnelAudienceBasis",
    description="Whom a dry run enters: SEGMENT (a campaign without a list: its entry filter, "
    "everyone without one), CUSTOMER_LIST (a campaign's list, narrowed by the entry filter), "
    "SCHEDULE_FILTER (one occurrence of the schedule at asOf: its entry filter), "
    "EVENT_ELIGIBLE (an event trigger: everyone the entry filter admits at asOf, as if each "
    "of them triggered the event then: an upper bound, not a forecast).",
)
PathKindEnum = strawberry.enum(
    PathKind,
    name="FunnelSimulationPathKind",
    description="A way out of a step: NEXT, a branch's YES or NO, a wait for an event's "
    "TIMEOUT (events are not simulated: the NEXT of such a wait stays 0), a random split's "
    "SPLIT path.",
)
StopReasonEnum = strawberry.enum(
    StopReason,
    name="FunnelSimulationStopReason",
    description="Why the dry run stopped following customers the engine would move on: "
    "LOOP (back at a step of a loop: followed once, or 52 rounds with timeTravel), HORIZON "
    "(a wait ending after the horizon).",
)


@strawberry.type(name="FunnelSimulationCount")
class CountType:
    reason: str
    count: int


@strawberry.type(name="FunnelSimulationPath")
class PathType:
    kind: PathKindEnum  # type: ignore[valid-type]
    next_step_id: str | None = strawberry.field(
        description="Where it leads; null: the customers taking it complete here."
    )
    split_path: int | None = strawberry.field(description="A SPLIT path's index in `paths`.")
    holdout: bool
    count: int

    @classmethod
    def of(cls, p: PathFigures) -> PathType:
        return cls(kind=p.kind, next_step_id=p.next_step, split_path=p.split_path,
                   holdout=p.holdout, count=p.count)  # fmt: skip


@strawberry.type(name="FunnelSimulationPoints")
class PointsType:
    added: BigInt
    removed: BigInt
    not_removed: BigInt = strawberry.field(
        description="Asked to be removed but beyond the spendable points (not taken)."
    )
    liability_minor: Money = strawberry.field(
        description="The net points' value at the redemption rate, in minor units of "
        "`currency` (negative when more is removed than added)."
    )

    @classmethod
    def of(cls, p: PointsFigures) -> PointsType:
        return cls(added=BigInt(p.added), removed=BigInt(p.removed),
                   not_removed=BigInt(p.not_removed),
                   liability_minor=Money(p.liability_minor))  # fmt: skip


@strawberry.type(name="FunnelSimulationMessages")
class MessagesType:
    channel: MessageChannel  # type: ignore[valid-type]
    would_send: int = strawberry.field(
        description="Messages that would go out, now or later (capped and deferred included)."
    )
    no_address: int = strawberry.field(description="Customers without an address: no message.")
    render_failed: int = strawberry.field(
        description="Customers whose message the template fails to render (a shortcode with "
        "no value for them, e.g. [voucher_code] without a voucher): made FAILED, never sent."
    )
    no_consent: int = strawberry.field(
        description="Customers without consent to the channel: their message is suppressed."
    )
    capped: int = strawberry.field(description="Of wouldSend, deferred by a frequency cap.")
    deferred_quiet_hours: int = strawberry.field(
        description="Of wouldSend, deferred to the end of the quiet hours."
    )

    @classmethod
    def of(cls, m: MessageFigures) -> MessagesType:
        return cls(channel=m.channel, would_send=m.would_send, no_address=m.no_address,
                   render_failed=m.render_failed, no_consent=m.no_consent, capped=m.capped,
                   deferred_quiet_hours=m.deferred_quiet_hours)  # fmt: skip


@strawberry.type(name="FunnelSimulationVouchers")
class VouchersType:
    would_issue: int
    short: int = strawberry.field(
        description="Customers the batch would have no free code for (BATCH_EXHAUSTED)."
    )

    @classmethod
    def of(cls, v: VoucherFigures) -> VouchersType:
        return cls(would_issue=v.would_issue, short=v.short)


@strawberry.type(name="FunnelSimulationStop")
class StopType:
    reason: StopReasonEnum  # type: ignore[valid-type]
    count: int


@strawberry.type(name="FunnelSimulationStep")
class StepType:
    step_id: str
    type: str = strawberry.field(description="The step's type, as the definition writes it.")
    reached: int = strawberry.field(
        description="Customers reaching the step (one coming back in a loop counts again)."
    )
    exited: int = strawberry.field(
        description="Left the funnel here: the exit filter matched them, or an exit step."
    )
    completed: int = strawberry.field(description="Ended here, with no step after.")
    failed: int
    failures: list[CountType] = strawberry.field(
        description="The failed by the engine's reason (NO_DATE, CEILING, BATCH_EXHAUSTED, "
        "TEMPLATE_UNAVAILABLE, ...)."
    )
    stopped: int = strawberry.field(description="Not followed further by the dry run.")
    stops: list[StopType] = strawberry.field(description="The stopped by reason.")
    earliest_at: datetime | None = strawberry.field(
        description="The earliest simulated time a customer reached the step (asOf without "
        "timeTravel); null when nobody did."
    )
    latest_at: datetime | None
    paths: list[PathType] = strawberry.field(description="Every way out, taken or not.")
    points: PointsType | None = strawberry.field(description="Points steps only.")
    messages: MessagesType | None = strawberry.field(description="Send steps only.")
    vouchers: VouchersType | None = strawberry.field(description="issueVoucher only.")

    @classmethod
    def of(cls, s: StepSimulation) -> StepType:
        return cls(
            step_id=s.step_id,
            type=s.type.value,
            reached=s.reached,
            exited=s.exited,
            completed=s.completed,
            failed=s.failed,
            failures=[CountType(reason=k, count=v) for k, v in sorted(s.failures.items())],
            stopped=sum(s.stopped.values()),
            stops=[StopType(reason=k, count=v) for k, v in sorted(s.stopped.items())],
            earliest_at=s.earliest_at,
            latest_at=s.latest_at,
            paths=[PathType.of(p) for p in s.paths],
            points=PointsType.of(s.points) if s.points else None,
            messages=MessagesType.of(s.messages) if s.messages else None,
            vouchers=VouchersType.of(s.vouchers) if s.vouchers else None,
        )


@strawberry.type(name="FunnelSimulationTotals")
class TotalsType:
    completed: int
    exited: int
    failed: int
    stopped: int
    points: PointsType
    messages: list[MessagesType] = strawberry.field(description="Per channel sent on.")
    vouchers: VouchersType


@strawberry.type(
    name="FunnelSimulation",
    description="What the funnel would do if its customers entered at asOf, on today's data; "
    "nothing of it was done (docs/funnels-simulation.md). entered = totals.completed + "
    "exited + failed + stopped.",
)
class SimulationType:
    funnel_id: strawberry.ID | None = strawberry.field(description="Null: a definition.")
    version: int | None
    name: str
    as_of: datetime
    time_travel: bool
    horizon: datetime | None = strawberry.field(
        description="With timeTravel: the last simulated moment (waits ending after it stop)."
    )
    audience_basis: AudienceBasisEnum  # type: ignore[valid-type]
    audience: int = strawberry.field(description="The trigger's audience at asOf.")
    entered: int
    not_entered: int = strawberry.field(description="Kept out by the re-entry rule.")
    currency: str | None = strawberry.field(description="Of every liabilityMinor.")
    steps: list[StepType] = strawberry.field(description="In the definition's order.")
    totals: TotalsType

    @classmethod
    def of(cls, s: Simulation) -> SimulationType:
        t = s.totals
        totals = TotalsType(completed=t.completed, exited=t.exited, failed=t.failed,
                            stopped=t.stopped, points=PointsType.of(t.points),
                            messages=[MessagesType.of(m) for m in t.messages],
                            vouchers=VouchersType.of(t.vouchers))  # fmt: skip
        return cls(
            funnel_id=None if s.funnel_id is None else strawberry.ID(str(s.funnel_id)),
            version=s.version,
            name=s.name,
            as_of=s.as_of,
            time_travel=s.time_travel,
            horizon=s.horizon,
            audience_basis=s.basis,
            audience=s.audience,
            entered=s.entered,
            not_entered=s.not_entered,
            currency=s.currency,
            steps=[StepType.of(step) for step in s.steps],
            totals=totals,
        )


@strawberry.type(name="FunnelSimulationPayload")
class SimulationPayload:
    simulation: SimulationType | None = None
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="What is wrong with the request; for a definition, every problem on its "
        "path, as validateFunnel reports them (nothing was simulated).",
    )


@strawberry.type
class FunnelSimulationQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_FUNNELS)],
        description="A dry run: what a saved funnel (`funnelId`, its current version unless "
        "`version`) or a definition not saved would do if its customers entered at `asOf` "
        "(now by default), on today's data, per step: who reaches it, the points, messages "
        "and vouchers, and where customers go. With `timeTravel`, waits run on a simulated "
        "clock. Writes nothing.",
    )
    @payload_on_error(SimulationPayload)
    async def simulate_funnel(
        self,
        info: Info,
        funnel_id: strawberry.ID | None = None,
        version: int | None = None,
        definition: JSON | None = None,
        as_of: datetime | None = None,
        time_travel: bool = False,
    ) -> SimulationPayload:
        runtime = info.context.funnel_simulation
        if runtime is None:
            raise DomainError.one(None, ErrorCode.INVALID, "Dry runs are not offered here.")
        request = SimulationRequest(
            None if funnel_id is None else str(funnel_id), version, definition, as_of, time_travel
        )
        simulation = await simulate_funnel(
            info.context.new_uow(), runtime, request, info.context.check_filter
        )
        return SimulationPayload(simulation=SimulationType.of(simulation))
