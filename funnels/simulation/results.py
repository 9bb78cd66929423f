"""What a dry run answers: per step, who reached it, where they went and what it would have
done (points, messages, vouchers), and the totals over the funnel.

Every customer's walk ends exactly once: it completes (a step with nothing after it),
exits (the exit filter, or an exit step), fails (with the engine's reason) or is stopped by
the dry run (a loop followed as far as it is followed, a wait ending past the horizon). So
`entered == completed + exited + failed + stopped` always holds, which the tests check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from funnels.definitions.steps import (
    Branch,
    Exit,
    RandomSplit,
    Step,
    StepType,
    UntilEvent,
    Wait,
)
from notifications.templates import Channel


class AudienceBasis(StrEnum):
    """Whom the dry run enters, by the funnel's trigger (docs/funnels-simulation.md)."""

    SEGMENT = "SEGMENT"  # a campaign without a list: its entry filter (everyone without one)
    CUSTOMER_LIST = "CUSTOMER_LIST"  # a campaign's customers, narrowed by its entry filter
    SCHEDULE_FILTER = "SCHEDULE_FILTER"  # one occurrence of a schedule at asOf: its filter
    EVENT_ELIGIBLE = "EVENT_ELIGIBLE"  # whoever passes the entry filter, as if each triggered


class PathKind(StrEnum):
    """Which way out of a step a path is."""

    NEXT = "NEXT"  # the step's `next` (a wait for an event: the event came)
    YES = "YES"  # a branch's filter matched
    NO = "NO"  # it did not
    TIMEOUT = "TIMEOUT"  # a wait for an event ended by its timeout
    SPLIT = "SPLIT"  # one of a random split's paths (`split_path`)


class StopReason(StrEnum):
    """Why the dry run stopped following a customer who would go on in the engine."""

    LOOP = "LOOP"  # back at a wait of a loop more often than the dry run follows one
    HORIZON = "HORIZON"  # a wait (time travel) ending after the dry run's horizon


@dataclass
class PathFigures:
    kind: PathKind
    next_step: str | None  # None: the customers taking it complete here
    split_path: int | None = None
    holdout: bool = False
    count: int = 0


@dataclass
class PointsFigures:
    """Points a points step would add and remove, what a removal could not take (the
    spendable points did not allow it), and the liability they add in money minor units
    at the redemption rate (negative when more is removed than added)."""

    added: int = 0
    removed: int = 0
    not_removed: int = 0
    liability_minor: int = 0


@dataclass
class MessageFigures:
    """A channel's messages. `would_send` are sent, now or later: `capped` of them wait for
    the frequency cap and `deferred_quiet_hours` for the end of the quiet hours (deferred,
    never dropped). Customers without an address get no message; for those whose message
    the template fails to render (a shortcode with no value for them) it is made FAILED;
    those without consent get one the sender suppresses."""

    channel: Channel
    would_send: int = 0
    no_address: int = 0
    render_failed: int = 0
    no_consent: int = 0
    capped: int = 0
    deferred_quiet_hours: int = 0

    def add(self, other: MessageFigures) -> None:
        self.would_send += other.would_send
        self.no_address += other.no_address
        self.render_failed += other.render_failed
        self.no_consent += other.no_consent
        self.capped += other.capped
        self.deferred_quiet_hours += other.deferred_quiet_hours


@dataclass
class VoucherFigures:
    """Codes an issueVoucher step would give, and the customers left without one because
    the batch would run out (they fail with BATCH_EXHAUSTED)."""

    would_issue: int = 0
    short: int = 0


@dataclass
class StepSimulation:
    """One step's figures. A customer coming back to a step in a loop counts each time."""

    step_id: str
    type: StepType
    paths: list[PathFigures]
    reached: int = 0
    exited: int = 0  # left the funnel here: the exit filter matched, or an exit step
    completed: int = 0  # ended here, with nothing after the step (or the path taken)
    failures: dict[str, int] = field(default_factory=dict)  # reason -> customers
    stopped: dict[StopReason, int] = field(default_factory=dict)
    earliest_at: datetime | None = None  # the simulated times customers reached it
    latest_at: datetime | None = None
    points: PointsFigures | None = None
    messages: MessageFigures | None = None
    vouchers: VoucherFigures | None = None

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def fail(self, reason: str, count: int = 1) -> None:
        if count:
            self.failures[reason] = self.failures.get(reason, 0) + count

    def stop(self, reason: StopReason, count: int = 1) -> None:
        if count:
            self.stopped[reason] = self.stopped.get(reason, 0) + count

    def arrived(self, count: int, earliest: datetime, latest: datetime) -> None:
        self.reached += count
        if self.earliest_at is None or earliest < self.earliest_at:
            self.earliest_at = earliest
        if self.latest_at is None or latest > self.latest_at:
            self.latest_at = latest


def step_simulation(step: Step) -> StepSimulation:
    """A step's empty figures, with every way out of it listed (taken or not), so that a
    console draws a number on each edge of the graph."""
    return StepSimulation(step.id, StepType(step.document()["type"]), _paths(step))


def _paths(step: Step) -> list[PathFigures]:
    if isinstance(step, Exit):
        return []
    if isinstance(step, Branch):
        return [PathFigures(PathKind.YES, step.yes), PathFigures(PathKind.NO, step.no)]
    if isinstance(step, RandomSplit):
        return [
            PathFigures(PathKind.SPLIT, p.next, split_path=i, holdout=p.holdout)
            for i, p in enumerate(step.paths)
        ]
    if isinstance(step, Wait) and isinstance(step.until, UntilEvent):
        return [
            PathFigures(PathKind.NEXT, step.next),
            PathFigures(PathKind.TIMEOUT, step.until.timeout_next),
        ]
    return [PathFigures(PathKind.NEXT, getattr(step, "next", None))]


@dataclass(frozen=True)
class Totals:
    """The funnel's figures over every step."""

    completed: int
    exited: int
    failed: int
    stopped: int
    points: PointsFigures
    messages: list[MessageFigures]  # per channel, the channels some step sends on
    vouchers: VoucherFigures


@dataclass(frozen=True)
class Simulation:
    """A dry run's answer. `funnel_id` and `version` are None for a definition that was
    not saved; `horizon` is the last simulated moment of a time-travel run."""

    funnel_id: int | None
    version: int | None
    name: str
    as_of: datetime
    time_travel: bool
    horizon: datetime | None
    basis: AudienceBasis
    audience: int  # the customers the trigger's audience holds at asOf
    entered: int  # of those, the ones the re-entry rule lets in
    currency: str | None
    steps: list[StepSimulation]  # in the definition's order
    totals: Totals

    @property
    def not_entered(self) -> int:
        """The audience the re-entry rule keeps out (they entered before)."""
        return self.audience - self.entered
