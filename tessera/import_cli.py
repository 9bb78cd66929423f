"""`tessera import customers | balances | purchases FILE [--mapping M] [--dry-run]
[--report R]` (purchases also [--earn]): a bulk import from CSV (domain/imports; the formats
are in docs/imports.md), with a progress bar.
Rows are checked in worker processes (the same functions, a chunk each) while the main
process copies and loads. Exit 0 when the file is imported (or was already), 1 when rows
were refused (the report lists them; also when a customer went away while the file
loaded: those rows are not loaded), 2 when the file or the mapping cannot be read, the
report cannot be written, or the file is not imported by this run for another reason
(another run of the same file is checking it, or took its job over)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tessera.csv_cells import csv_cell
from tessera.settings import Settings

if TYPE_CHECKING:
    from domain.imports.formats import ImportKind
    from domain.imports.reading import Row
    from domain.imports.rows import RowProblem
    from domain.imports.services import Checked, Checker, Outcome, Progress
    from domain.uow import UnitOfWork

# As domain.imports.services.CHUNK_ROWS (not imported here: the CLI's parser loads nothing).
CHUNK_ROWS = 50_000
Runner = Callable[[Settings, Callable[["UnitOfWork"], Awaitable[Any]]], Any]


class ImportCommands:
    """The handlers of `tessera import ...`, running their work with `run`."""

    def __init__(self, run: Runner) -> None:
        self._run = run

    def add_to(self, sub: Any) -> None:
        """Add `import` and its subcommands to the `tessera` parser's subparsers."""
        kinds = sub.add_parser(
            "import", help="import customers, opening balances or historical purchases from CSV"
        ).add_subparsers(dest="import_kind", required=True)
        for name, what in (
            ("customers", "customers, each with an optional opening balance"),
            ("balances", "opening balances of customers already registered"),
            ("purchases", "historical purchases (order lines) of customers already registered"),
        ):
            one = kinds.add_parser(name, help=f"import {what}")
            one.add_argument("file", type=Path, help="the CSV file (docs/imports.md)")
            one.add_argument("--mapping", type=Path, help="a YAML file naming other headers")
            one.add_argument(
                "--dry-run", action="store_true", help="check every row and write nothing"
            )
            one.add_argument(
                "--report",
                type=Path,
                help="where to write the bad rows (CSV: line, column, code, reason); "
                "default FILE.problems.csv when there are any",
            )
            one.add_argument("--actor", default="import", help="who the entries name")
            one.add_argument(
                "--workers", type=int, default=os.cpu_count() or 1, help="checking processes"
            )
            one.add_argument(
                "--chunk-rows",
                type=int,
                default=CHUNK_ROWS,
                help=f"rows a transaction (default {CHUNK_ROWS}): an interrupted run resumes "
                "after its last chunk",
            )
            if name == "purchases":
                one.add_argument(
                    "--earn",
                    action="store_true",
                    help="credit each order the points the earning rule gives it now "
                    "(default: history only, no points)",
                )
            one.set_defaults(run=self.run_import)

    def run_import(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.imports.formats import ColumnMapping, FormatError, ImportKind, read_mapping
        from domain.imports.services import ImportBusyError, import_file

        kind = ImportKind(args.import_kind.upper())
        try:
            mapping = (
                read_mapping(args.mapping.read_text(encoding="utf-8"), kind)
                if args.mapping
                else ColumnMapping()
            )
            with _progress_bar() as progress, _checker(args.workers) as check:

                def work(uow: UnitOfWork) -> Awaitable[Outcome]:
                    return import_file(
                        uow,
                        kind,
                        args.file,
                        mapping,
                        args.actor,
                        earn=getattr(args, "earn", False),
                        dry_run=args.dry_run,
                        progress=progress,
                        check=check,
                        chunk_rows=max(1, args.chunk_rows),
                    )

                outcome: Outcome = self._run(settings, work)
        except (FormatError, ImportBusyError, OSError, UnicodeDecodeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return _summary(args, outcome)


def _summary(args: argparse.Namespace, outcome: Outcome) -> int:
    """Say what the run did, write the report of its problems; the exit code."""
    try:
        return _tell(args, outcome)
    except OSError as error:  # the report's folder missing or read-only, the disk full
        print(f"error: the report cannot be written: {error}", file=sys.stderr)
        return 2


def _tell(args: argparse.Namespace, outcome: Outcome) -> int:
    job = outcome.job
    if outcome.problems:
        report = args.report or args.file.with_name(args.file.name + ".problems.csv")
        _write_report(report, outcome.problems)
        lines = len({p.line for p in outcome.problems})
        print(f"{lines} bad row(s) of {outcome.rows}; the report is {report}")
        if job is None:
            print("dry run: nothing was written")
        else:
            print(f"import {job.id} is {job.status}: nothing was written")
        return 1
    if job is None:
        print(f"dry run: all {outcome.rows} rows are good; nothing was written")
        return 0
    if job.status == "REJECTED":
        print(f"import {job.id} was REJECTED before ({job.rows_rejected} bad rows): fix the file")
        return 1
    if job.status != "DONE":
        # Another run of the file moved its job on meanwhile (a start from the API queued
        # it again, a worker failed it): this run did not import the file.
        reason = f" ({job.error})" if job.error else ""
        again = "to run it from the start" if job.status == "FAILED" else "once that run ends"
        print(
            f"error: import {job.id} is {job.status}{reason}: another run of this file moved "
            f"it on meanwhile, so this run stopped; run the command again {again}",
            file=sys.stderr,
        )
        return 2
    already = " already (nothing changed now)" if outcome.already_done else ""
    if job.kind.value == "PURCHASES":
        print(
            f"import {job.id} is {job.status}{already}: {job.rows_done} lines, "
            f"{job.purchases_created} purchases created, {job.purchases_skipped} already in "
            f"Tessera (left as they were), {job.points_earned} points earned"
        )
    else:
        print(
            f"import {job.id} is {job.status}{already}: {job.rows_done} rows, "
            f"{job.customers_created} customers created, {job.balances_opened} opening "
            f"balances ({job.points_opened} points)"
        )
    if job.rows_rejected and not outcome.already_done:
        # Rows whose customer was erased, or changed reference, while the file loaded.
        from domain.imports.rows import RowProblem

        report = args.report or args.file.with_name(args.file.name + ".problems.csv")
        _write_report(report, [RowProblem(**p) for p in job.problems])
        print(f"{job.rows_rejected} row(s) not loaded; the report is {report}")
        return 1
    return 0


def _write_report(path: Path, problems: list[RowProblem]) -> None:
    """The report as GET /exports/import-jobs/{id}/problems.csv serves a job's (its cells
    written as that does: none that a spreadsheet would run as a formula)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["line", "column", "code", "reason"])
        for p in problems:
            writer.writerow([csv_cell(v) for v in (p.line, p.column, p.code, p.reason)])


@contextmanager
def _progress_bar() -> Iterator[Progress]:
    """A rich progress bar per phase (checking, loading): rows, rows per second, time
    left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>9} rows/s"),
        TimeRemainingColumn(),
    )
    tasks: dict[str, TaskID] = {}
    with Progress(*columns, transient=False) as bar:

        def tell(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total, rate="")
            task = tasks[phase]
            bar.update(task, completed=done, total=max(done, total or done))
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:,.0f}" if speed else "")

        yield tell


@contextmanager
def _checker(workers: int) -> Iterator[Checker]:
    """check_rows in `workers` processes (inline for 1)."""
    from domain.imports.services import check_here

    if workers <= 1:
        yield check_here
        return
    with ProcessPoolExecutor(workers) as pool:

        async def check(
            kind: ImportKind, rows: list[Row], headers: Mapping[str, str], today: date
        ) -> Checked:
            from domain.imports.rows import check_rows

            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(pool, check_rows, kind, rows, dict(headers), today)

        yield check
