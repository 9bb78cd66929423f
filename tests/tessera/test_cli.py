"""The `tessera` command line, run as a user runs it (a subprocess)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.services import adjust_points
from domain.uow import UnitOfWork
from tessera.listening import listening_socket
from tests.domain.ledger.test_expiry import SEED_CUSTOMERS_WITH_DUE_LOTS
from tests.support.api import GraphQLClient, running_server
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import bare_customers


async def tessera(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tessera.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["demo", "serve"])
async def test_given_a_busy_port_when_the_server_starts_then_it_says_so_before_any_token(
    database_url: str, command: str
) -> None:
    # Given another program listening on the port asked for
    with listening_socket("127.0.0.1", 0) as busy:
        port = busy.getsockname()[1]

        # When the demo (or the server) is started on it
        done = await tessera(database_url, command, "--port", str(port))

    # Then it stops at once, saying which port and what to do, and printed no token
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "--port" in done.stderr
    assert "tes_" not in done.stdout
    assert done.stdout == ""


async def test_given_a_migrated_database_when_migrating_again_then_nothing_to_do(
    database_url: str,
) -> None:
    done = await tessera(database_url, "migrate")
    assert done.returncode == 0, done.stderr
    assert "head" in done.stdout


async def test_given_a_role_when_creating_a_token_then_it_is_alone_on_the_last_line_and_works(
    database_url: str, server_url: str, clean_db: AsyncEngine
) -> None:
    created = await tessera(
        database_url, "token", "create", "--role", "cashier", "--name", "till 1"
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("tes_") and " " not in token
    async with httpx.AsyncClient(base_url=server_url) as http:
        client = GraphQLClient(http, token)
        # Then a cashier may look customers up but not adjust points
        assert (await client.data("{ pointCategories { name } }"))["pointCategories"]
        body = await client.post(
            'mutation { adjustPoints(input: {customerId: "1", points: 1, note: "n", '
            'idempotencyKey: "k"}) { replayed } }'
        )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_given_an_unknown_role_when_creating_a_token_then_refused(database_url: str) -> None:
    refused = await tessera(database_url, "token", "create", "--role", "overlord")
    assert refused.returncode == 2
    assert "admin, manager, cashier, marketer, viewer" in refused.stderr


async def test_given_a_sound_ledger_when_audited_then_exit_zero(
    database_url: str, clean_db: AsyncEngine
) -> None:
    audited = await tessera(database_url, "audit")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "0 invariant violation(s)" in audited.stdout


async def test_given_a_voucher_used_more_than_recorded_when_audited_then_exit_one(
    database_url: str, clean_db: AsyncEngine
) -> None:
    # Given a voucher whose use count says 1 while no redemption of it exists
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO vouchers (code, source, kind, value_minor, uses) "
                "VALUES ('AUDIT-1', 'BATCH', 'FIXED_AMOUNT', 500, 1)"
            )
        )
    # When audited, then the voucher check names it and the command fails
    audited = await tessera(database_url, "audit")
    assert audited.returncode == 1
    assert "uses_equal_redemptions: voucher" in audited.stdout
    assert "1 invariant violation(s)" in audited.stdout


async def test_given_points_past_their_date_when_expire_points_runs_then_they_expire_once(
    database_url: str, clean_db: AsyncEngine
) -> None:
    # Given a customer whose lot of 25 points (5 of them spent) passed its date yesterday
    async with clean_db.begin() as conn:
        await conn.execute(text(SEED_CUSTOMERS_WITH_DUE_LOTS), {"n": 1, "points": 25})
    await adjust_points(UnitOfWork(clean_db), "1", -5, "spent", "cli-spend", "t")
    # When `tessera expire-points` runs, then the 20 left expire; run again, nothing more
    done = await tessera(database_url, "expire-points")
    assert done.returncode == 0, done.stderr
    assert "20 point(s) expired for 1 customer(s)" in done.stdout
    again = await tessera(database_url, "expire-points")
    assert "0 point(s) expired for 0 customer(s)" in again.stdout
    await assert_ledger_sound(clean_db)


async def test_given_a_token_when_revoked_then_listed_as_revoked_and_refused(
    database_url: str, clean_db: AsyncEngine
) -> None:
    created = await tessera(database_url, "token", "create", "--role", "viewer", "--name", "kiosk")
    token = created.stdout.strip().splitlines()[-1]
    listed = await tessera(database_url, "token", "list")
    assert token not in listed.stdout  # only hashes are kept
    row = next(line for line in listed.stdout.splitlines() if line.endswith(" kiosk"))
    token_id = row.split()[0]
    revoked = await tessera(database_url, "token", "revoke", token_id)
    assert revoked.returncode == 0, revoked.stderr
    again = await tessera(database_url, "token", "revoke", token_id)
    assert again.returncode == 2
    listed = await tessera(database_url, "token", "list")
    row = next(line for line in listed.stdout.splitlines() if line.endswith(" kiosk"))
    assert row.split()[4] != "-"  # the revoked-at column is filled
    # And a fresh API process (no cache yet) refuses it
    async with running_server(database_url) as url, httpx.AsyncClient(base_url=url) as http:
        body = await GraphQLClient(http, token).post("{ pointCategories { name } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_scheduler_runs_until_told_to_stop(database_url: str, broker_url: str) -> None:
    # Given `tessera scheduler` started as a deployment starts it
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url, "TESSERA_BROKER_URL": broker_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tessera.cli", "scheduler", env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        # When it has scheduled its jobs and started
        assert process.stderr is not None
        log: list[str] = []
        async with asyncio.timeout(30):
            while not any("Scheduler started" in line for line in log):
                log.append((await process.stderr.readline()).decode())
        assert any("scheduled expire_holds at '* * * * *'" in line for line in log), log
        assert any("scheduled audit_ledger" in line for line in log), log
        assert any("scheduled expire_points at '5 0 * * *'" in line for line in log), log
        # Then SIGTERM stops it cleanly
        process.terminate()
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()


async def test_run_gifts_pays_the_due_periods_and_evaluate_tiers_places_customers(
    database_url: str, clean_db: AsyncEngine
) -> None:
    # Given a customer and an hourly gift of 7 points made two hours ago
    await bare_customers(clean_db, 1)
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO gift_schedules (name, cron, points, description, runs_from) "
                "VALUES ('Hourly', '0 * * * *', 7, 'Thanks', now() - interval '2 hours')"
            )
        )
    # When `tessera run-gifts` runs twice
    first = await tessera(database_url, "run-gifts")
    second = await tessera(database_url, "run-gifts")
    # Then the first paid the latest period once, the second nothing
    assert first.returncode == 0, first.stderr
    assert "1 customer(s) credited 7 points, 0 skipped" in first.stdout
    assert "1 gift period(s) paid" in first.stdout
    assert "0 gift period(s) paid" in second.stdout
    # And `tessera evaluate-tiers` without rules moves nobody
    placed = await tessera(database_url, "evaluate-tiers")
    assert placed.returncode == 0, placed.stderr
    assert "0 customer(s) moved by the tier rules" in placed.stdout


async def test_given_a_reward_counting_a_claim_it_never_had_when_audited_then_exit_one(
    database_url: str, clean_db: AsyncEngine
) -> None:
    # Given a reward whose claimed counter says 1 while it has no claim
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO rewards (name, kind, cost_points, voucher_kind, voucher_gift_sku, "
                "claimed) VALUES ('Mug', 'FREE_PRODUCT', 100, 'GIFT_ITEM', 'MUG', 1)"
            )
        )
    # When audited, then the check names it and the command fails
    audited = await tessera(database_url, "audit")
    assert audited.returncode == 1
    assert "rewards_count_their_claims: reward" in audited.stdout
