"""Bulk imports of customers and opening balances: checked whole before anything is
written, loaded once whatever runs are repeated or cut short, the ledger sound after."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.customers.services import create_customer
from domain.data_requests.services import erase_customer
from domain.imports import loading
from domain.imports.formats import ColumnMapping, ImportKind, read_mapping
from domain.imports.services import Outcome, import_file
from domain.uow import UnitOfWork
from tests.support.ledger import assert_ledger_sound

HEADER = (
    "external_ref,email,phone,first_name,last_name,locale,time_zone,birth_date,"
    "consent_email,consent_sms,points,points_expire_on"
)
NEXT_YEAR = date.today() + timedelta(days=365)


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def many_customers(tmp_path: Path, count: int) -> Path:
    rows = [
        f"C{i},c{i}@example.com,,First{i},Last{i},it-IT,Europe/Rome,,true,false,{i * 10},"
        for i in range(1, count + 1)
    ]
    return write(tmp_path, "many.csv", HEADER, *rows)


async def run_import(
    engine: AsyncEngine,
    path: Path,
    kind: ImportKind = ImportKind.CUSTOMERS,
    mapping: ColumnMapping | None = None,
    **options: Any,
) -> Outcome:
    return await import_file(
        UnitOfWork(engine), kind, path, mapping or ColumnMapping(), "test", **options
    )


async def rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(text(sql))]


async def written(engine: AsyncEngine) -> tuple[int, int, int, int]:
    """(customers, accounts, entries, lots)."""
    [found] = await rows(
        engine,
        "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM point_accounts), "
        "(SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM point_lots)",
    )
    return found


async def test_customers_with_opening_balances_are_registered_with_entries_and_lots(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given a customers file: one with points expiring on a date, one without points, one
    # whose points expire as the program says (never, here)
    path = write(
        tmp_path,
        "customers.csv",
        HEADER,
        f"A1,Ann@Example.com,+39 340 123 4567,Ann,Rossi,it-it,europe/rome,1980-02-29,yes,no,"
        f"120,{NEXT_YEAR.isoformat()}",
        "A2,bob@example.com,,Bob,,en,,,,,,",
        'A3,,,"Multi\nline",X,,,,,1,50,',
    )
    # When it is imported
    outcome = await run_import(clean_db, path)
    # Then each customer is registered with the API's normal forms, in file order
    assert outcome.problems == [] and outcome.job is not None
    assert outcome.job.status == "DONE"
    assert (outcome.job.customers_created, outcome.job.balances_opened) == (3, 2)
    assert await rows(
        clean_db,
        "SELECT external_ref, email, phone, locale, time_zone, birth_date, consent_email, "
        "consent_sms FROM customers ORDER BY id",
    ) == [
        (
            "A1",
            "ann@example.com",
            "+393401234567",
            "it-IT",
            "Europe/Rome",
            date(1980, 2, 29),
            True,
            False,
        ),
        ("A2", "bob@example.com", None, "en", None, None, False, False),
        ("A3", None, None, None, None, None, False, True),
    ]
    # And the opening balances are OPENING entries with their lots (expiring at the end of
    # the day given), and consent given is in the history
    assert await rows(
        clean_db,
        "SELECT c.external_ref, e.points, e.kind, e.balance_after, l.remaining, l.expires_at "
        "FROM ledger_entries e JOIN customers c ON c.id = e.customer_id "
        "JOIN point_lots l ON l.entry_id = e.id ORDER BY e.id",
    ) == [
        (
            "A1",
            120,
            "OPENING",
            120,
            120,
            datetime.combine(NEXT_YEAR + timedelta(days=1), datetime.min.time(), UTC),
        ),
        ("A3", 50, "OPENING", 50, 50, None),
    ]
    assert await rows(
        clean_db, "SELECT channel, granted, source FROM consent_changes ORDER BY id"
    ) == [("EMAIL", True, "STAFF"), ("SMS", True, "STAFF")]
    assert await rows(clean_db, "SELECT count(*) FROM import_rows") == [(0,)]
    await assert_ledger_sound(clean_db)


async def test_the_same_file_again_changes_nothing(clean_db: AsyncEngine, tmp_path: Path) -> None:
    # Given a file imported
    path = many_customers(tmp_path, 30)
    first = await run_import(clean_db, path, chunk_rows=7)
    before = await written(clean_db)
    # When it is imported again
    again = await run_import(clean_db, path, chunk_rows=7)
    # Then the same job answers and nothing more is written
    assert again.already_done and again.job is not None and first.job is not None
    assert again.job.id == first.job.id
    assert await written(clean_db) == before == (30, 30, 30, 30)
    await assert_ledger_sound(clean_db)


async def test_a_run_cut_between_chunks_resumes_without_duplicates(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given a file of 30 customers loaded 7 rows a chunk, and a run stopped after the
    # second chunk it loaded
    path = many_customers(tmp_path, 30)

    class Stop(Exception):
        pass

    def stop_after_two(phase: str, done: int, total: int | None) -> None:
        if phase == "loading" and done >= 14:
            raise Stop

    with pytest.raises(Stop):
        await run_import(clean_db, path, chunk_rows=7, progress=stop_after_two)
    assert await written(clean_db) == (14, 14, 14, 14)
    # When the same file is run again
    outcome = await run_import(clean_db, path, chunk_rows=7)
    # Then it finished: every customer once, every opening once
    assert outcome.job is not None and outcome.job.status == "DONE"
    assert outcome.job.rows_done == 30
    assert await written(clean_db) == (30, 30, 30, 30)
    assert await rows(clean_db, "SELECT sum(balance) FROM point_accounts") == [
        (sum(i * 10 for i in range(1, 31)),)
    ]
    await assert_ledger_sound(clean_db)


async def test_two_runs_resuming_the_same_load_at_once_load_each_row_once(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given a file of 60 customers loaded 5 rows a chunk (two chunks at once per run), its
    # run stopped after the first chunks
    path = many_customers(tmp_path, 60)

    class Stop(Exception):
        pass

    def stop_early(phase: str, done: int, total: int | None) -> None:
        if phase == "loading" and done >= 5:
            raise Stop

    with pytest.raises(Stop):
        await run_import(clean_db, path, chunk_rows=5, progress=stop_early)
    # When two runs of it resume at once, racing chunk by chunk
    first, second = await asyncio.gather(
        run_import(clean_db, path, chunk_rows=5), run_import(clean_db, path, chunk_rows=5)
    )
    # Then both see it DONE, and every customer and opening was written once, in the job's
    # count too
    for outcome in (first, second):
        assert outcome.job is not None and outcome.job.status == "DONE"
        assert outcome.job.rows_done == 60 and outcome.job.balances_opened == 60
    assert await written(clean_db) == (60, 60, 60, 60)
    await assert_ledger_sound(clean_db)


async def test_a_file_with_a_bad_row_writes_nothing_and_reports_each_bad_row(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given a file whose lines 3, 4, 5 and 7 are bad (line 1 is the header)
    path = write(
        tmp_path,
        "bad.csv",
        HEADER,
        "G1,g1@example.com,,,,,,,,,10,",
        "B1,not-an-email,,,,,,2023-02-29,,,10,",
        "B2,,,,,xx-nowhere,Mars/Base,,maybe,,-5,",
        ",,,,,,,,,,,",
        "G2,,,,,,,,,,,",
        "G1,,,,,,,,,,,",
    )
    # When it is checked (dry run), then imported
    dry = await run_import(clean_db, path, dry_run=True)
    outcome = await run_import(clean_db, path)
    # Then both report the same problems by line and column, and nothing was written
    found = [(p.line, p.column, p.code) for p in outcome.problems]
    assert [(p.line, p.column, p.code) for p in dry.problems] == found
    assert found == [
        (3, "email", "INVALID"),
        (3, "birth_date", "INVALID"),
        (4, "consent_email", "INVALID"),
        (4, "locale", "INVALID"),
        (4, "time_zone", "INVALID"),
        (4, "points", "INVALID"),
        (5, "external_ref", "REQUIRED"),
        (7, "external_ref", "DUPLICATE"),
    ]
    assert outcome.job is not None and outcome.job.status == "REJECTED"
    assert outcome.job.rows_rejected == 4
    assert await written(clean_db) == (0, 0, 0, 0)
    assert await rows(clean_db, "SELECT count(*) FROM import_rows") == [(0,)]


async def test_a_dry_run_writes_nothing_at_all(clean_db: AsyncEngine, tmp_path: Path) -> None:
    outcome = await run_import(clean_db, many_customers(tmp_path, 5), dry_run=True)
    assert outcome.job is None and outcome.rows == 5 and outcome.problems == []
    assert await written(clean_db) == (0, 0, 0, 0)
    assert await rows(clean_db, "SELECT count(*) FROM import_jobs") == [(0,)]


async def test_balances_open_once_per_customer_and_need_known_customers(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given a registered customer (with a balance of its own)
    made = await create_customer(UnitOfWork(clean_db), {"external_ref": "K1"}, None)
    # When a balances file names an unknown customer, then nothing is opened
    unknown = write(tmp_path, "unknown.csv", "external_ref,points", "K1,100", "NOPE,5")
    refused = await run_import(clean_db, unknown, ImportKind.BALANCES)
    assert [(p.line, p.code) for p in refused.problems] == [(3, "NOT_FOUND")]
    assert await written(clean_db) == (1, 1, 0, 0)
    # When a good one is imported, and then another file for the same customer
    first = write(tmp_path, "first.csv", "external_ref,points", "K1,100")
    second = write(tmp_path, "second.csv", "external_ref,points", "K1,999")
    one = await run_import(clean_db, first, ImportKind.BALANCES)
    two = await run_import(clean_db, second, ImportKind.BALANCES)
    # Then the customer has one opening, the first
    assert one.job is not None and one.job.balances_opened == 1
    assert two.job is not None and two.job.balances_opened == 0
    assert await rows(
        clean_db, f"SELECT balance FROM point_accounts WHERE customer_id = {made.item.id}"
    ) == [(100,)]
    await assert_ledger_sound(clean_db)


async def test_a_mapping_reads_another_export(clean_db: AsyncEngine, tmp_path: Path) -> None:
    # Given a Dolibarr-like export (; separated, its own headers, columns we do not use)
    mapping = read_mapping(
        'delimiter: ";"\ncolumns:\n  external_ref: "Réf. client"\n  email: "E-mail"\n'
        '  last_name: "Nom"\n  points: "Points"\n',
        ImportKind.CUSTOMERS,
    )
    path = write(
        tmp_path,
        "dolibarr.csv",
        "Réf. client;Nom;E-mail;Ville;Points",
        "CU2401-0001;Rossi;mario@example.com;Roma;40",
    )
    outcome = await run_import(clean_db, path, mapping=mapping)
    assert outcome.problems == [] and outcome.job is not None
    assert await rows(clean_db, "SELECT external_ref, last_name, email FROM customers") == [
        ("CU2401-0001", "Rossi", "mario@example.com")
    ]
    assert await rows(clean_db, "SELECT balance FROM point_accounts") == [(40,)]


async def test_a_customer_erased_while_balances_load_gets_nothing_and_the_row_is_reported(
    clean_db: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a balances file checked while both its customers were there
    uow = UnitOfWork(clean_db)
    k1 = (await create_customer(uow, {"external_ref": "K1"}, None)).item.id
    k2 = (await create_customer(uow, {"external_ref": "K2"}, None)).item.id
    real = loading.LoadChunk.handle

    async def k2_erased_first(self: loading.LoadChunk, uow: UnitOfWork) -> Any:
        # When K2 is erased after checking, before loading
        await erase_customer(UnitOfWork(clean_db), PARTS, k2, "dpo", "e1")
        monkeypatch.setattr(loading.LoadChunk, "handle", real)
        return await real(self, uow)

    monkeypatch.setattr(loading.LoadChunk, "handle", k2_erased_first)
    path = write(tmp_path, "b.csv", "external_ref,points", "K1,100", "K2,50")
    outcome = await run_import(clean_db, path, ImportKind.BALANCES)
    # Then K1's opening is posted and K2 gets nothing; the job reports K2's row
    job = outcome.job
    assert job is not None and job.status == "DONE"
    assert (job.rows_done, job.rows_rejected, job.balances_opened) == (1, 1, 1)
    assert [(p["line"], p["column"], p["code"]) for p in job.problems] == [
        (3, "external_ref", "NOT_FOUND")
    ]
    assert await rows(
        clean_db, "SELECT customer_id, balance FROM point_accounts ORDER BY customer_id"
    ) == [(k1, 100), (k2, 0)]
    await assert_ledger_sound(clean_db)


async def test_an_erased_customers_reference_names_no_one(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given an erased customer, whose reference is now erased:<id>
    uow = UnitOfWork(clean_db)
    made = (await create_customer(uow, {"external_ref": "K1"}, None)).item.id
    await erase_customer(uow, PARTS, made, "dpo", "e1")
    tombstone = f"erased:{made}"
    # When a balances file, or a customers file, names that reference
    balances = write(tmp_path, "b.csv", "external_ref,points", f"{tombstone},100")
    customers = write(tmp_path, "c.csv", HEADER, f"{tombstone},,,,,,,,,,77,")
    refused = [
        await run_import(clean_db, balances, ImportKind.BALANCES),
        await run_import(clean_db, customers, ImportKind.CUSTOMERS),
    ]
    # Then each row is refused (the prefix is kept for erased customers), and nothing is
    # written to the erased customer
    for outcome in refused:
        assert [(p.line, p.column, p.code) for p in outcome.problems] == [
            (2, "external_ref", "INVALID")
        ]
        assert outcome.job is not None and outcome.job.status == "REJECTED"
    assert await rows(clean_db, "SELECT balance FROM point_accounts") == [(0,)]
