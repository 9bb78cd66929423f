"""A funnel for a million customers: a campaign entering a segment, then addPoints,
issueVoucher and sendSms (through the sandbox: the messages are made, nothing leaves),
next to the plain SQL doing the same entry and the same credit in the same run.

    .venv/bin/python bench/funnel.py [--customers 1000000] [--batch 10000]

The database is seeded in SQL (bench/reports_seed.py's customers and ledger, two entries a
customer; a phone, SMS consent and a code of the campaign's voucher batch for each), the
funnel is saved and activated through funnels.definitions, and the engine's own functions
run it: the campaign's entry in this process, then batches until every enrollment has
finished, here and in `--processes - 1` helper processes (bench/funnel_helper.py, what the
advance_funnels actor does), asked for as run_funnels asks for them (advance_helped: the
entry left a backlog), as `tessera worker --processes 2` runs it by default. Measured:

- **enrol**: the campaign's entry of everyone the segment selects (one statement), against
  the plain `INSERT ... SELECT` of the same enrollment rows into a copy of the table;
- **steps**: from the first batch to the last enrollment finished, and each step's window;
  the addPoints step is compared with one set-based credit of the same customers
  (domain.ledger.bulk.credit_many, the gift runs' statement).

Every enrollment must end COMPLETED with one funnel entry, one voucher and one message
each, and the ledger's invariants must hold; otherwise the exit status is 1. The last line
is one JSON object (bench/README.md)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine
from voucher_seed import fill_batch

from domain.ledger.bulk import BulkCredit, credit_many
from domain.ledger.invariants import find_violations
from domain.ledger.kinds import EntryKind
from domain.uow import UnitOfWork, read
from domain.vouchers.batches import BatchRequest, create_voucher_batch
from domain.vouchers.models import VoucherKind, VoucherTerms
from funnels.definitions.queries import get_funnel
from funnels.definitions.services import change_status, save_funnel
from funnels.definitions.statuses import Transition
from funnels.engine.running import advance_helped
from funnels.engine.steps.batch import Runtime
from funnels.engine.ticks import enter_due_ticks
from harness import run_on_fresh_database
from notifications.dispatch.composing import Shop
from notifications.store.models import Purpose, TemplateSpec, Translation
from notifications.store.services import create_template
from notifications.templates import Channel
from reports_seed import seed
from tessera.database import SESSION_SETTINGS, asyncpg_dsn, create_engine
from tessera.funnel_engine import VERSIONS, audience, narrow
from tessera.funnel_filters import CHECK_FILTER

SEGMENT = {"consent": {"sms": True}}
TARGET_ENROL_S = 10.0
TARGET_ENROL_RATIO = 2.0
TARGET_FUNNEL_S = 300.0
HELPER = Path(__file__).with_name("funnel_helper.py")


class Helpers:
    """The helper processes the engine asks for, started at once when it asks; what they
    did, once they have finished."""

    def __init__(self, database_url: str, count: int, batch: int) -> None:
        self.command = [sys.executable, str(HELPER), database_url, str(batch)]
        self.count = count
        self.running: list[subprocess.Popen[bytes]] = []

    def __call__(self) -> None:
        self.running += [
            subprocess.Popen(self.command, stdout=subprocess.PIPE) for _ in range(self.count)
        ]

    def finished(self) -> list[dict[str, int]]:
        done = []
        for process in self.running:
            out, _ = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"a funnel helper failed with status {process.returncode}")
            done.append(orjson.loads(out.splitlines()[-1]))
        return done


def definition(batch_id: int) -> dict[str, Any]:
    return {
        "name": "Bench campaign",
        "entry": {"trigger": {"campaign": {}}, "filter": SEGMENT, "reentry": "ONCE"},
        "start": "points",
        "steps": [
            {"id": "points", "type": "addPoints", "points": 100, "next": "voucher"},
            {
                "id": "voucher",
                "type": "issueVoucher",
                "voucherBatch": str(batch_id),
                "next": "sms",
            },
            {"id": "sms", "type": "sendSms", "template": "bench promo"},
        ],
    }


async def prepare(engine: AsyncEngine, dsn: str, customers: int) -> int:
    """Phones and SMS consent for everyone, the SMS template, and a voucher batch with a
    code for every customer; the batch's id."""
    translation = Translation(
        "en-US", text="[first_name]: +100 points, [points] in all. Code [voucher_code]."
    )
    spec = TemplateSpec("bench promo", Channel.SMS, Purpose.MARKETING, "en-US", (translation,))
    await create_template(UnitOfWork(engine), spec, "bench promo", "bench")
    terms = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=500)
    batch = await create_voucher_batch(
        UnitOfWork(engine), BatchRequest("Bench codes", 1, terms), "bench batch", "bench"
    )
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "UPDATE customers SET phone = '+39333' || lpad(id::text, 7, '0'), consent_sms = true"
        )
        # The batch's other codes, like the one it was made with (same terms and source).
        await fill_batch(conn, batch.id, customers)
        await conn.execute("VACUUM ANALYZE customers")
        await conn.execute("VACUUM ANALYZE vouchers")
    finally:
        await conn.close()
    return batch.id


async def plain_enrol(dsn: str) -> float:
    """The same enrollment rows, written by one INSERT ... SELECT into a copy of the table
    (its columns, defaults, constraints and indexes), on a connection set as Tessera's."""
    conn = await asyncpg.connect(dsn, server_settings=SESSION_SETTINGS)
    try:
        await conn.execute("CREATE TABLE bench_enrollments (LIKE funnel_enrollments INCLUDING ALL)")
        started = time.perf_counter()
        await conn.execute(
            """INSERT INTO bench_enrollments (id, funnel_id, version, customer_id, entry_no,
                                              status, step_id, due_at, entered_at)
               SELECT c.id, 0, 1, c.id, 1, 'ACTIVE', 'points', now(), now()
                 FROM customers c WHERE c.consent_sms"""
        )
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_enrollments")
        return elapsed
    finally:
        await conn.close()


async def plain_credit(engine: AsyncEngine, dsn: str) -> float:
    """One set-based credit of every customer (the gift runs' statement)."""
    conn = await asyncpg.connect(dsn)
    try:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM customers ORDER BY id")]
    finally:
        await conn.close()
    credit = BulkCredit(100, EntryKind.GIFT, "bench", None, "bench", "baseline", "bench:")
    started = time.perf_counter()
    async with UnitOfWork(engine) as uow:
        await credit_many(uow, credit, ids)
        await uow.commit()
    return time.perf_counter() - started


async def step_windows(dsn: str) -> dict[str, float]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT step_id, extract(epoch FROM max(ran_at) - min(ran_at)) AS s "
            "FROM funnel_step_runs GROUP BY step_id"
        )
        return {r["step_id"]: float(r["s"]) for r in rows}
    finally:
        await conn.close()


async def check(dsn: str, engine: AsyncEngine, customers: int) -> list[str]:
    conn = await asyncpg.connect(dsn)
    errors = []
    try:
        counts = {
            "completed": "SELECT count(*) FROM funnel_enrollments WHERE status = 'COMPLETED'",
            "entries": "SELECT count(*) FROM ledger_entries WHERE source_type = 'funnel'",
            "vouchers": "SELECT count(*) FROM vouchers WHERE assignment_key LIKE 'funnel-run:%'",
            "messages": "SELECT count(*) FROM messages WHERE dedupe_key LIKE 'funnel-run:%'",
        }
        for name, sql in counts.items():
            found = await conn.fetchval(sql)
            if found != customers:
                errors.append(f"{name}: {found} of {customers}")
    finally:
        await conn.close()
    async with engine.connect() as sa_conn:
        errors += [f"ledger: {v}" for v in await find_violations(sa_conn)]
    return errors


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    dsn = asyncpg_dsn(database_url)
    await seed(dsn, args.customers, 2 * args.customers)
    engine = create_engine(database_url, pool_size=4)
    try:
        batch_id = await prepare(engine, dsn, args.customers)
        plain_enrol_s = await plain_enrol(dsn)
        plain_credit_s = await plain_credit(engine, dsn)
        saved = await save_funnel(UnitOfWork(engine), definition(batch_id), CHECK_FILTER,
                                  idempotency_key="bench", actor="bench")  # fmt: skip
        await change_status(UnitOfWork(engine), str(saved.funnel.id), Transition.ACTIVATE,
                            CHECK_FILTER, "bench")  # fmt: skip
        funnel = await get_funnel(UnitOfWork(engine), saved.funnel.id)
        assert funnel is not None
        key = (funnel.id, funnel.current_version)
        known = await read(UnitOfWork(engine), lambda uow: VERSIONS(uow, [key]))
        runtime = Runtime(Shop(name="Bottega Verde"), narrow)
        sent: list[int] = []
        helpers = Helpers(database_url, args.processes - 1, args.batch)
        started, cpu_started = time.perf_counter(), time.process_time()
        entered = await enter_due_ticks(
            lambda: UnitOfWork(engine), [(funnel, known[key])], audience, datetime.now(UTC)
        )
        enrol_s = time.perf_counter() - started
        helped = helpers if args.processes > 1 else None
        await advance_helped(engine, VERSIONS, runtime, sent.extend, helped, limit=args.batch)
        helped_runs = helpers.finished()
        funnel_s = time.perf_counter() - started
        engine_cpu_s = time.process_time() - cpu_started
        windows = await step_windows(dsn)
        errors = await check(dsn, engine, args.customers)
    finally:
        await engine.dispose()
    result = {
        "bench": "funnel",
        "customers": args.customers,
        "batch": args.batch,
        "enrol_s": round(enrol_s, 2),
        "plain_enrol_s": round(plain_enrol_s, 2),
        "enrol_ratio": round(enrol_s / plain_enrol_s, 2),
        "funnel_s": round(funnel_s, 1),
        "processes": 1 + len(helped_runs),
        "engine_cpu_s": round(engine_cpu_s, 1),
        "steps_s": {k: round(v, 1) for k, v in sorted(windows.items())},
        "plain_credit_s": round(plain_credit_s, 2),
        "entered": entered.get(funnel.id, 0),
        "messages_to_send": len(sent) + sum(h["messages"] for h in helped_runs),
        "errors": errors,
    }
    print(
        f"funnel bench: {args.customers} customers, batches of {args.batch}\n"
        f"enrol (one statement):   {enrol_s:8.2f} s   "
        f"plain INSERT ... SELECT {plain_enrol_s:6.2f} s   ratio {enrol_s / plain_enrol_s:.2f}"
        f" (targets <= {TARGET_ENROL_S:.0f} s, <= {TARGET_ENROL_RATIO})\n"
        f"whole funnel:            {funnel_s:8.1f} s   (target <= {TARGET_FUNNEL_S:.0f} s)\n"
        f"  processes advancing    {1 + len(helped_runs):8d}     (this one and its helpers)\n"
        f"  this process's CPU     {engine_cpu_s:8.1f} s   (Python and the driver)\n"
        + "".join(f"  step {k:<10} {v:8.1f} s\n" for k, v in sorted(windows.items()))
        + f"plain set-based credit of everyone: {plain_credit_s:.2f} s\n"
        f"errors: {len(errors)}"
    )
    for error in errors:
        print(f"  {error}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000, help="enrollments a batch")
    parser.add_argument(
        "--processes", type=int, default=2, help="worker processes advancing (1: no helpers)"
    )
    args = parser.parse_args(argv)
    result = run_on_fresh_database("funnel", lambda url: run(url, args))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
