"""The funnel dry run for a million customers: a campaign with a branch, points, a voucher
batch too small, an SMS under a cap and quiet hours, a wait until each birthday and an
email, simulated without and with time travel (simulateFunnel's own function), next to a
plain count of the same audience in the same run.

    .venv/bin/python bench/simulation.py [--customers 1000000]

The database is seeded in SQL (bench/reports_seed.py's customers and ledger; a phone, SMS
consent for two thirds, a time zone, a birth date for nine in ten, half a voucher batch's
worth of codes), the funnel is saved through funnels.definitions. Measured: each dry run's
wall time and the process's peak memory. The dry runs must write nothing and their figures
must add up (entered = completed + exited + failed + stopped); otherwise the exit status is
1. The last line is one JSON object (bench/README.md)."""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from voucher_seed import fill_batch

from domain.uow import UnitOfWork
from domain.vouchers.batches import BatchRequest, create_voucher_batch
from domain.vouchers.models import VoucherKind, VoucherTerms
from funnels.definitions.services import save_funnel
from funnels.simulation import Simulation, SimulationRequest, SimulationRuntime, simulate_funnel
from harness import run_on_fresh_database
from notifications.dispatch.composing import Shop
from notifications.fatigue.models import LimitChannel, PeriodUnit
from notifications.fatigue.settings import set_messaging_limits
from notifications.fatigue.validation import CapSpec, ChannelLimitsSpec, LimitsSpec, QuietHoursSpec
from notifications.store.models import Purpose, TemplateSpec, Translation
from notifications.store.services import create_template
from notifications.templates import Channel
from reports_seed import seed
from tessera.database import asyncpg_dsn, create_engine
from tessera.funnel_engine import audience, narrow
from tessera.funnel_filters import CHECK_FILTER

AS_OF = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
TARGET_S = 120.0
WRITTEN = (
    "SELECT (SELECT count(*) FROM ledger_entries) + (SELECT count(*) FROM messages)"
    " + (SELECT count(*) FROM vouchers WHERE customer_id IS NOT NULL)"
    " + (SELECT count(*) FROM funnel_enrollments) + (SELECT count(*) FROM domain_events)"
)


def definition(batch_id: int) -> dict[str, Any]:
    return {
        "name": "Bench dry run",
        "entry": {"trigger": {"campaign": {}}, "filter": {"consent": {"sms": True}}},
        "exit": {"filter": {"balance": {"gte": 100000}}},
        "start": "rich",
        "steps": [
            {"id": "rich", "type": "branch", "filter": {"balance": {"gte": 200}},
             "yes": "take", "no": "give"},
            {"id": "take", "type": "removePoints", "points": 50, "next": "voucher"},
            {"id": "give", "type": "addPoints", "points": 100, "next": "voucher"},
            {"id": "voucher", "type": "issueVoucher", "voucherBatch": str(batch_id),
             "next": "sms"},
            {"id": "sms", "type": "sendSms", "template": "bench sms", "next": "birthday"},
            {"id": "birthday", "type": "wait", "untilDate": {"attribute": "birthDate"},
             "next": "mail"},
            {"id": "mail", "type": "sendEmail", "template": "bench mail"},
        ],
    }  # fmt: skip


async def prepare(engine: AsyncEngine, dsn: str, customers: int) -> int:
    """Addresses, consents, zones and birth dates; the templates, the limits and a voucher
    batch with codes for half the customers; the batch's id."""
    sms = Translation("en-US", text="[first_name], code [voucher_code]")
    mail = Translation("en-US", subject="Happy birthday", text_body="Hi [first_name]")
    for name, channel, translation in (("bench sms", Channel.SMS, sms),
                                       ("bench mail", Channel.EMAIL, mail)):  # fmt: skip
        spec = TemplateSpec(name, channel, Purpose.MARKETING, "en-US", (translation,))
        await create_template(UnitOfWork(engine), spec, name, "bench")
    night = QuietHoursSpec("21:00", "09:00")
    limits = LimitsSpec(quiet_hours=night, channels=(
        ChannelLimitsSpec(LimitChannel.SMS, cap=CapSpec(2, 7, PeriodUnit.DAYS)),))  # fmt: skip
    await set_messaging_limits(UnitOfWork(engine), limits, "bench")
    terms = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=500)
    batch = await create_voucher_batch(
        UnitOfWork(engine), BatchRequest("Bench codes", 1, terms), "bench batch", "bench"
    )
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """UPDATE customers SET phone = '+39333' || lpad(id::text, 7, '0'),
                      email = 'c' || id || '@example.com',
                      consent_sms = id % 3 <> 0, consent_email = id % 2 = 0,
                      time_zone = (ARRAY['Europe/Rome', 'America/New_York',
                                          'Asia/Tokyo'])[id % 3 + 1],
                      birth_date = CASE WHEN id % 10 <> 0
                                        THEN date '1980-01-01' + (id % 9000)::int END"""
        )
        await fill_batch(conn, batch.id, customers // 2)
        await conn.execute("VACUUM ANALYZE customers")
        await conn.execute("VACUUM ANALYZE vouchers")
    finally:
        await conn.close()
    return batch.id


async def plain_count(dsn: str) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        await conn.fetchval("SELECT count(*) FROM customers WHERE consent_sms")
        return time.perf_counter() - started
    finally:
        await conn.close()


def adds_up(simulation: Simulation) -> bool:
    t = simulation.totals
    return simulation.entered == t.completed + t.exited + t.failed + t.stopped


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    dsn = asyncpg_dsn(database_url)
    await seed(dsn, args.customers, 2 * args.customers)
    engine = create_engine(database_url, pool_size=4)
    errors: list[str] = []
    timings: dict[str, float] = {}
    try:
        batch_id = await prepare(engine, dsn, args.customers)
        saved = await save_funnel(UnitOfWork(engine), definition(batch_id), CHECK_FILTER,
                                  idempotency_key="bench", actor="bench")  # fmt: skip
        runtime = SimulationRuntime(audience, narrow, Shop(name="Bottega Verde"))
        conn = await asyncpg.connect(dsn)
        written_before = await conn.fetchval(WRITTEN)
        simulations = {}
        for travel in (False, True):
            request = SimulationRequest(str(saved.funnel.id), None, None, AS_OF, travel)
            started = time.perf_counter()
            simulations[travel] = await simulate_funnel(
                UnitOfWork(engine), runtime, request, CHECK_FILTER
            )
            timings["time_travel" if travel else "at_once"] = time.perf_counter() - started
            if not adds_up(simulations[travel]):
                errors.append(f"time travel {travel}: the figures do not add up")
        if await conn.fetchval(WRITTEN) != written_before:
            errors.append("a dry run wrote rows")
        await conn.close()
        plain_s = await plain_count(dsn)
    finally:
        await engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    entered = simulations[False].entered
    result = {
        "bench": "simulation",
        "customers": args.customers,
        "entered": entered,
        "at_once_s": round(timings["at_once"], 1),
        "time_travel_s": round(timings["time_travel"], 1),
        "plain_count_s": round(plain_s, 3),
        "peak_rss_mb": round(peak_mb),
        "errors": errors,
    }
    print(
        f"dry-run bench: {args.customers} customers, {entered} entering\n"
        f"dry run at asOf:        {timings['at_once']:8.1f} s (target <= {TARGET_S:.0f} s)\n"
        f"dry run, time travel:   {timings['time_travel']:8.1f} s\n"
        f"plain count of the audience: {plain_s:.3f} s\n"
        f"peak memory: {peak_mb:.0f} MB\n"
        f"errors: {len(errors)}"
    )
    for error in errors:
        print(f"  {error}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    result = run_on_fresh_database("simulation", lambda url: run(url, args))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
