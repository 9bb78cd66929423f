"""The funnel dry run: what a funnel would do on today's data, without doing any of it
(docs/funnels-simulation.md).

- `service.simulate_funnel(uow, runtime, request, check_filter)`: the whole run, in one
  read-only transaction;
- `request`: what is asked (a saved funnel or a definition, asOf, time travel) and the
  definition it runs; `audience`: who enters; `walk`: the graph walked cohort by cohort;
  `flow`, `points`, `messages`, `vouchers`: each kind of step simulated with the rules the
  engine and the delivery decide with; `results`: the answer;
- `runtime.SimulationRuntime`: the segment filters and the currency, from the composition
  root."""

from __future__ import annotations

from funnels.simulation.request import SimulationRequest
from funnels.simulation.results import (
    AudienceBasis,
    MessageFigures,
    PathFigures,
    PathKind,
    PointsFigures,
    Simulation,
    StepSimulation,
    StopReason,
    Totals,
    VoucherFigures,
)
from funnels.simulation.runtime import SimulationRuntime
from funnels.simulation.service import simulate_funnel

__all__ = [
    "AudienceBasis",
    "MessageFigures",
    "PathFigures",
    "PathKind",
    "PointsFigures",
    "Simulation",
    "SimulationRequest",
    "SimulationRuntime",
    "StepSimulation",
    "StopReason",
    "Totals",
    "VoucherFigures",
    "simulate_funnel",
]
