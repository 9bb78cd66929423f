"""`tessera import ...`, run as an operator runs it (a subprocess): a dry run's report, a
file refused whole, and a run killed with SIGKILL in the middle of its loading that the
same command, run again, completes without a duplicate; the API's QUEUED or FAILED job of
the same file run by the command; exit 0 only for a file imported, and a report that
cannot be written an `error:` line (exit 2); report cells never formulas."""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.imports.formats import ColumnMapping, ImportKind
from domain.imports.jobs import Job
from domain.imports.reading import import_digest
from domain.imports.rows import RowProblem
from domain.imports.services import Outcome
from tessera.import_cli import _summary
from tests.support.ledger import assert_ledger_sound

HEADER = "external_ref,email,points"
WAIT_S = 120.0


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tessera.cli", "import", *args]


async def tessera(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url}
    return await asyncio.to_thread(
        subprocess.run,
        command(*args),
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WAIT_S,
    )


async def scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one() or 0)


def start(database_url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url}
    return subprocess.Popen(
        command(*args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def customers_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "customers.csv"
    lines = [HEADER] + [f"K{i},k{i}@example.com,{i}" for i in range(1, count + 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_a_dry_run_writes_the_report_and_nothing_else(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\nK1,k1@example.com,5\nK2,nope,5\nK3,,-1\n")
    report = tmp_path / "report.csv"
    done = await tessera(database_url, "customers", str(path), "--dry-run", "--report", str(report))
    assert done.returncode == 1, done.stderr
    with report.open() as f:
        found = list(csv.reader(f))
    assert [row[:3] for row in found] == [
        ["line", "column", "code"],
        ["3", "email", "INVALID"],
        ["4", "points", "INVALID"],
    ]
    assert found[2][3] == "Points are a whole number from 0 to 1000000000."
    assert "nothing was written" in done.stdout
    assert await scalar(clean_db, "SELECT count(*) FROM import_jobs") == 0
    assert await scalar(clean_db, "SELECT count(*) FROM customers") == 0


async def test_an_unreadable_mapping_or_header_exits_2(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("ref,mail\nK1,k@example.com\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns: [not, a, mapping]\n")
    assert (await tessera(database_url, "customers", str(path))).returncode == 2
    assert (
        await tessera(database_url, "customers", str(path), "--mapping", str(mapping))
    ).returncode == 2


async def test_a_run_killed_while_loading_is_completed_by_the_next(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    # Given a file of 4000 customers loaded 100 a transaction, and a run killed (SIGKILL)
    # once some chunks are loaded
    path = customers_file(tmp_path, 4000)
    args = ("customers", str(path), "--chunk-rows", "100", "--workers", "1")
    process = start(database_url, *args)
    try:
        deadline = time.monotonic() + WAIT_S
        while await scalar(clean_db, "SELECT max(rows_done) FROM import_jobs") < 300:
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    loaded = await scalar(clean_db, "SELECT count(*) FROM customers")
    assert 300 <= loaded < 4000
    # When the same command is run again
    done = await tessera(database_url, *args)
    # Then every customer and opening is there once, and the ledger is sound
    assert done.returncode == 0, done.stderr
    assert await scalar(clean_db, "SELECT count(*) FROM customers") == 4000
    assert await scalar(clean_db, "SELECT count(*) FROM ledger_entries") == 4000
    assert await scalar(clean_db, "SELECT sum(balance) FROM point_accounts") == 4000 * 4001 // 2
    assert await scalar(clean_db, "SELECT count(*) FROM import_rows") == 0
    await assert_ledger_sound(clean_db)
    # And a third run changes nothing
    again = await tessera(database_url, *args)
    assert again.returncode == 0 and "already" in again.stdout
    assert await scalar(clean_db, "SELECT count(*) FROM customers") == 4000


PURCHASES = "order_id,customer_ref,occurred_at,sku,quantity,unit_price_minor"


async def test_purchases_are_checked_then_imported_earning(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    # Given a customer, and a purchases file whose third line names no customer
    customers = customers_file(tmp_path, 1)
    assert (await tessera(database_url, "customers", str(customers))).returncode == 0
    path = tmp_path / "sales.csv"
    path.write_text(
        f"{PURCHASES}\nO1,K1,2025-03-01,A,2,1000\nO2,K9,2025-03-01,A,1,500\n"
        "O1,K1,2025-03-01,B,1,550\n"
    )
    # When it is checked: the report names the line, and nothing is written
    dry = await tessera(database_url, "purchases", str(path), "--dry-run", "--earn")
    assert dry.returncode == 1, dry.stderr
    with path.with_name("sales.csv.problems.csv").open() as f:
        assert [row[:3] for row in csv.reader(f)] == [
            ["line", "column", "code"],
            ["3", "customer_ref", "NOT_FOUND"],
        ]
    assert await scalar(clean_db, "SELECT count(*) FROM purchases") == 0
    # When the bad line is dropped and the file imported earning
    path.write_text(f"{PURCHASES}\nO1,K1,2025-03-01,A,2,1000\nO1,K1,2025-03-01,B,1,550\n")
    done = await tessera(database_url, "purchases", str(path), "--earn", "--workers", "2")
    # Then the order is there with its points (1 point per 100 minor units), once
    assert done.returncode == 0, done.stderr
    assert "1 purchases created, 0 already in Tessera (left as they were), 25 points" in done.stdout
    assert await scalar(clean_db, "SELECT sum(balance) FROM point_accounts") == 1 + 25
    again = await tessera(database_url, "purchases", str(path), "--earn")
    assert again.returncode == 0 and "already (nothing changed now)" in again.stdout
    await assert_ledger_sound(clean_db)


def test_rows_not_loaded_while_the_file_loaded_are_reported_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an import DONE with a row not loaded (its customer erased while it loaded:
    # tests/domain/imports/test_imports.py makes one)
    gone = RowProblem(3, "external_ref", "NOT_FOUND", "Not loaded: the customer was erased.")
    job = Job(id=7, kind=ImportKind.BALANCES, file_name="b.csv", status="DONE", rows_total=2,
              rows_done=1, rows_rejected=1, last_line=3, customers_created=0,
              balances_opened=1, points_opened=100, problems=[gone.as_dict()])  # fmt: skip
    path = tmp_path / "b.csv"
    args = argparse.Namespace(file=path, report=None)
    # When the command sums it up
    code = _summary(args, Outcome(job, rows=2))
    # Then it says what was loaded, then what was not, writes the report, and exits 1
    out = capsys.readouterr().out
    assert "import 7 is DONE: 1 rows" in out
    assert f"1 row(s) not loaded; the report is {path}.problems.csv" in out
    assert code == 1
    with open(f"{path}.problems.csv", encoding="utf-8") as report:
        assert list(csv.reader(report))[1] == [
            "3", "external_ref", "NOT_FOUND", "Not loaded: the customer was erased."
        ]  # fmt: skip


@pytest.mark.parametrize("status", ["FAILED", "QUEUED"])
async def test_the_command_never_exits_0_for_a_file_it_did_not_import(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path, status: str
) -> None:
    """Rule (docs/imports.md, top and "Idempotency and resuming"): the command exits 0 only
    when the file is imported (or already was); the API's job of the same file is the same
    import, and the command runs it when it waits for a worker (QUEUED) or FAILED (from the
    start, as starting it again from the API does), under the job's lock, as a worker
    claims it.

    Given the API's job of a customers file that is FAILED (its five runs died) or still
    QUEUED (its message lost), when an operator runs `tessera import customers FILE` on
    the same file, then the command runs that job: its customers are registered, the job
    is DONE (still the API's, one run, no error left), and the command exits 0."""
    path = tmp_path / "customers.csv"
    content = "external_ref,email,points\nF-1,f1@example.com,10\nF-2,,0\n"
    path.write_text(content, encoding="utf-8")
    digest = import_digest(
        ImportKind.CUSTOMERS, ColumnMapping(), hashlib.sha256(content.encode()).hexdigest()
    )
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO import_jobs (kind, digest, file_name, status, actor, source, runs,"
                " error) VALUES ('CUSTOMERS', :digest, 'customers.csv', :status, 'staff:1',"
                " 'API', :runs, :error)"
            ),
            {
                "digest": digest,
                "status": status,
                "runs": 5 if status == "FAILED" else 0,
                "error": "Stopped after 5 runs" if status == "FAILED" else None,
            },
        )
    done = await tessera(database_url, "customers", str(path))
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert await scalar(clean_db, "SELECT count(*) FROM customers") == 2
    assert await scalar(clean_db, "SELECT sum(balance) FROM point_accounts") == 10
    async with clean_db.connect() as conn:
        jobs = (await conn.execute(text("SELECT * FROM import_jobs"))).all()
    assert [(j.status, j.source, j.runs, j.error) for j in jobs] == [("DONE", "API", 1, None)]
    await assert_ledger_sound(clean_db)


def test_an_import_another_run_moved_on_is_an_error_not_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a run whose import another run failed meanwhile (a worker's)
    job = Job(id=8, kind=ImportKind.CUSTOMERS, file_name="c.csv", status="FAILED",
              rows_total=0, rows_done=0, rows_rejected=0, last_line=0, customers_created=0,
              balances_opened=0, points_opened=0, problems=[],
              error="The uploaded file is gone (kept a day).")  # fmt: skip
    args = argparse.Namespace(file=tmp_path / "c.csv", report=None)
    # When the command sums it up
    code = _summary(args, Outcome(job, rows=2))
    # Then it says the file is not imported, and why, and exits 2
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: import 8 is FAILED (The uploaded file is gone")


async def test_a_report_that_cannot_be_written_is_a_clear_error_not_a_traceback(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    """Rule (docs/imports.md, top and "Dry runs and the report of bad rows"): the command
    exits 0, 1 or 2 with its summary, and a report it cannot write is an error it states
    in one `error:` line and exits 2 for, never a traceback.

    Given a file with a bad row, when `tessera import customers FILE --dry-run --report R`
    names a report in a folder that does not exist, then the command says so in one
    `error:` line and exits 2 (as for a file it cannot read), not 1 as for a report
    written."""
    path = tmp_path / "bad.csv"
    path.write_text("external_ref,email,points\nR-1,nope,5\n", encoding="utf-8")
    report = tmp_path / "no-such-folder" / "report.csv"
    done = await tessera(database_url, "customers", str(path), "--dry-run", "--report", str(report))
    assert "Traceback" not in done.stderr, done.stderr[-600:]
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.startswith("error: the report cannot be written:")
    assert str(report) in done.stderr


def test_the_report_writes_cells_a_spreadsheet_would_run_as_text(tmp_path: Path) -> None:
    # Given a dry run whose problems name headers a spreadsheet would read as formulas
    problems = [
        RowProblem(2, '=HYPERLINK("http://x")', "INVALID", "Not a number."),
        RowProblem(3, "@sum", "INVALID", "-1 is below 0."),
        RowProblem(4, None, "INVALID", "The row has 3 fields."),
    ]
    report = tmp_path / "report.csv"
    args = argparse.Namespace(file=tmp_path / "f.csv", report=report)
    # When the command writes its report
    assert _summary(args, Outcome(None, rows=3, problems=problems)) == 1
    # Then those cells are text (a leading '), as in the API's problems.csv
    with report.open(encoding="utf-8") as f:
        assert list(csv.reader(f))[1:] == [
            ["2", '\'=HYPERLINK("http://x")', "INVALID", "Not a number."],
            ["3", "'@sum", "INVALID", "'-1 is below 0."],
            ["4", "", "INVALID", "The row has 3 fields."],
        ]
