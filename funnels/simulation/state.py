"""What a dry run carries from step to step, in memory (nothing it simulates is written):
the steps' figures, the points each customer would have gained or lost, the marketing
messages each would have been sent (for the frequency caps of later steps), the voucher
codes left in each batch, how often each customer came back to each step of a loop, and
when each customer's waits until a date ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import DomainError
from domain.uow import UnitOfWork
from domain.vouchers.bulk_assign import BatchSupply
from funnels.definitions.definition import FunnelDefinition
from funnels.simulation.audience import under
from funnels.simulation.cohorts import CHUNK, Cohort
from funnels.simulation.results import PathKind, StepSimulation
from funnels.simulation.runtime import SimulationRuntime
from notifications.fatigue.models import LimitChannel, MessagingLimits
from notifications.fatigue.settings import read_limits


@dataclass
class Route:
    """Customers leaving a step one way (`next_step` None: they complete there)."""

    kind: PathKind
    next_step: str | None
    cohort: Cohort
    split_path: int | None = None


@dataclass
class Supply:
    """A voucher batch as the dry run sees it: read once, its free codes counted down as
    the steps would take them."""

    batch: BatchSupply | None
    left: int


@dataclass
class WalkState:
    uow: UnitOfWork
    runtime: SimulationRuntime
    definition: FunnelDefinition
    as_of: datetime
    time_travel: bool
    horizon: datetime | None
    reports: dict[str, StepSimulation]
    # Points the simulation gave (+) or took (-) from each customer so far.
    point_deltas: dict[int, int] = field(default_factory=dict)
    # The simulated marketing sends of each customer on each limit channel (when the
    # channel has a cap: they count towards it at later steps).
    sent: dict[tuple[int, LimitChannel], list[datetime]] = field(default_factory=dict)
    supplies: dict[int, Supply] = field(default_factory=dict)
    # The customers an issueVoucher step would have given a code (the sends after it show
    # it with [voucher_code]).
    vouchered: set[int] = field(default_factory=set)
    # For the steps of loops: how often each customer arrived at each.
    visits: dict[str, dict[int, int]] = field(default_factory=dict)
    # When each wait until a date ended for each customer (step id, customer id): a loop
    # back to it waits for a later anniversary, as the engine's enrollments do.
    woke: dict[tuple[str, int], datetime] = field(default_factory=dict)
    _limits: MessagingLimits | None = None

    async def limits(self) -> MessagingLimits:
        """The program's messaging limits, read once (they do not change in a snapshot)."""
        if self._limits is None:
            self._limits = await read_limits(self.uow)
        return self._limits

    async def matching(self, raw: object, cohort: Cohort, path: str) -> set[int]:
        """The customers of the cohort a stored filter matches, each at their own time: one
        query per distinct time and CHUNK customers. A filter that no longer compiles (a
        saved segment it names is gone) is a DomainError named at `path`."""
        matched: set[int] = set()
        for moment, ids in cohort.by_time().items():
            for start in range(0, len(ids), CHUNK):
                matched.update(await self._narrow(raw, ids[start : start + CHUNK], moment, path))
        return matched

    async def _narrow(
        self, raw: object, ids: Sequence[int], moment: datetime, path: str
    ) -> list[int]:
        try:
            return await self.runtime.narrow(self.uow, raw, ids, moment)
        except DomainError as error:
            raise under(path, error) from error
