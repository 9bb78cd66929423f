"""What a dry run is asked: a saved funnel (and a version) or a definition not saved, the
moment it runs at, and whether waits run on a simulated clock; and the definition it runs.

A saved funnel runs the version new entries follow (its current version) unless another is
asked for: the stored definition is parsed as the engine parses it, and what it names that
is gone since (a template, a category) fails its steps' customers as the engine would. A
definition not saved passes the checks validateFunnel makes (the same parser, the same
reference checks) and nothing is simulated when it has a problem: the problems are
answered with their paths, as validateFunnel answers them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import DomainError, ErrorCode, Problems
from domain.limits import LATEST_MOMENT
from domain.uow import UnitOfWork
from domain.validation import moment_out_of_range, parse_id
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.durations import MAX_DURATION
from funnels.definitions.filters import FilterCheck
from funnels.definitions.parsing import parse_definition
from funnels.definitions.queries import funnel_by_id, version_in
from funnels.definitions.references import check_references

# How far a time-travel run follows the simulated clock after asOf: the longest wait a
# definition may hold (every single wait fits; a birthday comes within a year).
HORIZON = MAX_DURATION
# The latest asOf: a time-travel run's clock reaches the horizon, a wait computed from there
# may end up to HORIZON later (then stopped), a deferral by a cap up to a year later; all of
# it must stay a time (Python's end at 9999-12-31, the domain's at LATEST_MOMENT). One
# bound for both modes, so that a request valid without time travel stays valid with it.
LATEST_AS_OF = LATEST_MOMENT - 2 * HORIZON


@dataclass(frozen=True)
class SimulationRequest:
    """As the API takes it: exactly one of `funnel_id` and `definition` (None: not given)."""

    funnel_id: str | None = None
    version: int | None = None
    definition: object = None
    as_of: datetime | None = None
    time_travel: bool = False


@dataclass(frozen=True)
class CheckedRequest:
    funnel_id: int | None
    version: int | None
    definition: object
    as_of: datetime
    time_travel: bool


@dataclass(frozen=True)
class Plan:
    """The definition to run and where it comes from (no funnel: not saved)."""

    definition: FunnelDefinition
    funnel_id: int | None
    version: int | None


def check_request(request: SimulationRequest, now: datetime) -> CheckedRequest:
    """The request checked (asOf defaults to `now`), or a DomainError naming every field at
    fault: neither or both of funnelId and definition, a version without a funnel, an
    asOf without its offset, before the times every stored time falls in or after
    LATEST_AS_OF."""
    problems = Problems()
    given = (request.funnel_id is not None, request.definition is not None)
    if given == (False, False):
        problems.add("funnelId", ErrorCode.REQUIRED, "Give a funnelId or a definition.")
    elif given == (True, True):
        problems.add("funnelId", ErrorCode.INVALID, "Give a funnelId or a definition, not both.")
    funnel_id = None
    if request.funnel_id is not None:
        funnel_id = parse_id(problems, "funnelId", request.funnel_id)
    if request.version is not None:
        if request.funnel_id is None:
            problems.add("version", ErrorCode.INVALID, "A version is one of a saved funnel's.")
        elif request.version < 1:
            problems.add("version", ErrorCode.OUT_OF_RANGE, "Versions are numbered from 1.")
    as_of = request.as_of or now
    _check_as_of(problems, as_of)
    problems.raise_if_any()
    return CheckedRequest(funnel_id, request.version, request.definition, as_of,
                          request.time_travel)  # fmt: skip


def _check_as_of(problems: Problems, as_of: datetime) -> None:
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        problems.add("asOf", ErrorCode.INVALID, "Give the time with its offset (e.g. ...Z).")
        return
    why = moment_out_of_range(as_of)
    if why is None and as_of >= LATEST_AS_OF:
        why = (
            "A dry run's clock runs on for years after asOf (waits, caps): give an asOf "
            f"before {LATEST_AS_OF:%Y-%m-%d}."
        )
    if why is not None:
        problems.add("asOf", ErrorCode.OUT_OF_RANGE, why)


async def load_plan(uow: UnitOfWork, request: CheckedRequest, check_filter: FilterCheck) -> Plan:
    """The definition to run, in the open unit of work; a DomainError when there is none
    (an unknown funnel or version: NOT_FOUND; a definition with problems: each on its
    path, as validateFunnel reports them)."""
    if request.funnel_id is None:
        definition, problems = parse_definition(request.definition, check_filter)
        if definition is not None:
            problems = await check_references(uow, definition)
        if problems or definition is None:
            raise DomainError(problems)
        return Plan(definition, None, None)
    funnel = await funnel_by_id(uow, request.funnel_id)
    if funnel is None:
        raise DomainError.one("funnelId", ErrorCode.NOT_FOUND, "No such funnel.")
    number = request.version or funnel.current_version
    stored = await version_in(uow, funnel.id, number)
    if stored is None:
        why = f"The funnel has no version {number}."
        raise DomainError.one("version", ErrorCode.NOT_FOUND, why)
    definition, problems = parse_definition(stored.definition, check_filter)
    if definition is None:  # a version saved before a rule was made stricter
        raise DomainError(problems)
    return Plan(definition, funnel.id, number)
