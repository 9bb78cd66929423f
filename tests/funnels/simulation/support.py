"""Helpers of the dry run's tests: the runtime the composition root gives it, a simulation
run straight through funnels.simulation, and the counts of every table a funnel could
write to (the side-effect test compares them before and after)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.simulation import Simulation, SimulationRequest, SimulationRuntime, simulate_funnel
from funnels.simulation.results import StepSimulation
from notifications.store.models import Purpose, TemplateSpec, Translation
from notifications.store.services import create_template
from notifications.templates import Channel
from tessera.funnel_engine import audience, narrow
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import RUNTIME as ENGINE_RUNTIME
from tests.funnels.engine.support import START
from tests.funnels.segments.people import person

RUNTIME = SimulationRuntime(audience, narrow, ENGINE_RUNTIME.shop)


async def simulate(
    engine: AsyncEngine,
    *,
    funnel_id: int | None = None,
    definition: dict[str, Any] | None = None,
    as_of: datetime = START,
    time_travel: bool = False,
    version: int | None = None,
) -> Simulation:
    request = SimulationRequest(
        None if funnel_id is None else str(funnel_id), version, definition, as_of, time_travel
    )
    return await simulate_funnel(UnitOfWork(engine), RUNTIME, request, CHECK_FILTER)


def by_step(simulation: Simulation) -> dict[str, StepSimulation]:
    return {s.step_id: s for s in simulation.steps}


def paths(step: StepSimulation) -> dict[str, int]:
    """Each way out of a step and how many took it: YES, NO, NEXT, TIMEOUT, SPLIT0..."""
    return {
        p.kind.value + ("" if p.split_path is None else str(p.split_path)): p.count
        for p in step.paths
    }


def balanced(simulation: Simulation) -> bool:
    """Every customer who entered ended exactly one way."""
    t = simulation.totals
    return simulation.entered == t.completed + t.exited + t.failed + t.stopped


# Every table a funnel run writes to, directly or through the domain (the ledger and its
# lots, balances, domain events, messages, vouchers, categories, the engine's own).
COUNTED = (
    "SELECT count(*) FROM ledger_entries",
    "SELECT count(*) FROM point_lots",
    "SELECT coalesce(sum(balance), 0) FROM point_accounts",
    "SELECT coalesce(sum(held), 0) FROM point_accounts",
    "SELECT count(*) FROM domain_events",
    "SELECT count(*) FROM messages",
    "SELECT count(*) FROM vouchers WHERE customer_id IS NOT NULL",
    "SELECT count(*) FROM funnel_enrollments",
    "SELECT count(*) FROM funnel_step_runs",
    "SELECT count(*) FROM funnel_goals",
    "SELECT count(*) FROM funnel_entry_ticks",
    "SELECT count(*) FROM customers WHERE category_manual",
    "SELECT md5(string_agg(attributes::text, ',' ORDER BY id)) FROM customers",
)


async def table_counts(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as conn:
        return {sql: (await conn.execute(text(sql))).scalar_one() for sql in COUNTED}


def campaign(start: str, steps: list[dict[str, Any]], **entry: Any) -> dict[str, Any]:
    """A definition entering every customer (or `entry`'s filter, list...) at once."""
    trigger = entry.pop("trigger", {"campaign": {}})
    return {"name": "Dry run", "entry": {"trigger": trigger, **entry}, "start": start,
            "steps": steps}  # fmt: skip


async def shopper(
    engine: AsyncEngine,
    *,
    email: str | None = None,
    phone: str | None = None,
    email_consent: bool = False,
    **facts: Any,
) -> int:
    """A customer with these facts written straight into the tables (segments' `person`:
    balance, held, birth_date, time_zone, `sms` consent...), and these addresses."""
    found = await person(engine, email=email_consent, **facts)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE customers SET email = :e, phone = :p WHERE id = :c"),
            {"e": email, "p": phone, "c": found},
        )
    return found


async def seed_messaging(engine: AsyncEngine) -> dict[str, str]:
    """seed_references, and 'hello sms', an SMS template every customer's facts render
    ('voucher sms' needs a voucher's code: it fails for a customer without one)."""
    refs = await seed_references(engine)
    text_ = Translation("en-US", text="Hi [first_name]")
    spec = TemplateSpec("hello sms", Channel.SMS, Purpose.MARKETING, "en-US", (text_,))
    await create_template(UnitOfWork(engine), spec, "seed hello sms", "test")
    return refs
