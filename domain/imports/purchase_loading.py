"""The writes of a purchases import that differ from the customers' and balances' ones
(loading.py has the others: create the job, restart staging, end staging, finish): stage a
chunk of order lines, and load a range of orders. Each takes the job's row lock first and
checks the job is where it expects (loading.JobMoved otherwise), so two runs of the same
file take turns; and each is idempotent in itself (orders by shop and order_id, credits by
their purchase's award key), so a step cut short is simply done again.

While LOADING, a purchases job's last_line is the number of the last order loaded (orders
are numbered in the file by their first line: import_rows.order_no), not a line: an order's
lines load in one transaction, wherever they are in the file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text

from domain.commands import Command
from domain.customers.bulk_register import known_refs
from domain.customers.sql import CUSTOMER_REFS
from domain.errors import ErrorCode
from domain.imports import jobs
from domain.imports.jobs import Job
from domain.imports.loading import locked, unresolved_rows
from domain.imports.purchase_rows import PURCHASE_STAGED_COLUMNS
from domain.imports.rows import RowProblem, Staged
from domain.purchases.bulk_import import import_history
from domain.uow import UnitOfWork

# A range of orders of a job (after :after up to :upto, by number), one row per line, with
# the customer's id (purchases.bulk_import.LINE_COLUMNS).
ORDERS_CHUNK = f"""
    SELECT r.line AS ord, c.id AS customer_id, r.shop, r.order_id, r.occurred_at, r.status,
           r.channel, r.sku, r.quantity, r.unit_price_minor, r.product_line, r.discounted
      FROM import_rows r JOIN ({CUSTOMER_REFS}) c ON c.external_ref = r.external_ref
     WHERE r.job_id = :job AND r.order_no > :after AND r.order_no <= :upto"""

# The lines of a range of orders, with their customer's reference.
ORDER_LINES = """
    SELECT r.line, r.external_ref FROM import_rows r
     WHERE r.job_id = :job AND r.order_no > :after AND r.order_no <= :upto"""

_NEXT = text("""
    SELECT max(order_no) FROM (SELECT order_no FROM import_rows
                                WHERE job_id = :job AND order_no > :after
                                ORDER BY order_no LIMIT :rows) c""")

_HASH_JOINS = text("SET LOCAL enable_nestloop = off")

_LINES = text("""
    SELECT count(*) FROM import_rows
     WHERE job_id = :job AND order_no > :after AND order_no <= :upto""")


async def split_unknown_customers(
    uow: UnitOfWork, rows: Sequence[tuple[int, Staged]], ref_column: str
) -> tuple[list[tuple[int, Staged]], list[RowProblem]]:
    """The rows whose customer is in Tessera (`rows`' values start with the customer's
    reference), and a NOT_FOUND problem for each other: import the customers first."""
    refs = sorted({values[0] for _, values in rows})
    known = await known_refs(uow, refs)  # not erased: an erased customer buys nothing more
    unknown = [
        RowProblem(
            line,
            ref_column,
            ErrorCode.NOT_FOUND.value,
            "No customer has this external_ref (import the customers first).",
        )
        for line, values in rows
        if values[0] not in known
    ]
    return [row for row in rows if row[1][0] in known], unknown


async def next_orders(uow: UnitOfWork, job_id: int, after: int, rows: int) -> int | None:
    """The number of the order that ends the next `rows` staged lines after order `after`
    (None: none left). That order's lines all come with it, so a chunk may have up to an
    order's lines more than `rows`, and is never cut inside an order."""
    found = (await uow.execute(_NEXT, {"job": job_id, "after": after, "rows": rows})).scalar()
    return None if found is None else int(found)


@dataclass(frozen=True)
class StagePurchaseChunk(Command[list[RowProblem]]):
    """COPY a chunk's checked order lines (each value tuple starts with its order's number)
    into import_rows; lines of customers not in Tessera become problems. Once a job has a
    problem nothing more is copied (it will be rejected) but rows are still counted."""

    job_id: int
    after_line: int
    last_line: int
    rows: Sequence[tuple[int, Staged]]
    problems: Sequence[RowProblem]
    ref_column: str  # the file's name of customer_ref, for the report
    rows_read: int

    async def handle(self, uow: UnitOfWork) -> list[RowProblem]:
        job = await locked(uow, self.job_id, "STAGING", self.after_line)
        problems = list(self.problems)
        # The reference is after the order's number in a staged row.
        by_ref = [(line, values[1:]) for line, values in self.rows]
        _, unknown = await split_unknown_customers(uow, by_ref, self.ref_column)
        problems += unknown
        rows = [] if problems or job.rows_rejected else list(self.rows)
        await jobs.stage(
            uow,
            job,
            rows,
            problems,
            self.last_line,
            self.rows_read,
            ("order_no", *PURCHASE_STAGED_COLUMNS),
        )
        return problems


@dataclass(frozen=True)
class LoadOrders(Command[Job]):
    """The staged orders after number `after` up to `upto`: purchases and lines written,
    each earning order credited (with `earn`), set-based; the job moved on in the same
    transaction."""

    job_id: int
    after: int
    upto: int
    actor: str
    earn: bool
    ref_column: str  # the file's name of customer_ref, for the report

    async def handle(self, uow: UnitOfWork) -> Job:
        job = await locked(uow, self.job_id, "LOADING", self.after)
        # The statements below join the rows they insert (a chunk's purchases with their
        # lines, the credits with the balances they move), whose number the planner cannot
        # know: it guessed a few and joined tens of thousands by nested loops (16 s a chunk
        # of 50,000 lines; 1.7 s with hash joins). For this transaction only.
        await uow.execute(_HASH_JOINS)
        params = {"job": job.id, "after": self.after, "upto": self.upto}
        gone = await unresolved_rows(uow, ORDER_LINES, params, self.ref_column)
        loaded = await import_history(
            uow,
            ORDERS_CHUNK,
            params,
            earn=self.earn,
            actor=self.actor,
            note=f"Historical purchase imported from {job.file_name}",
        )
        lines = int((await uow.execute(_LINES, params)).scalar_one())
        await jobs.loaded(
            uow,
            job,
            self.upto,
            lines,
            gone,
            purchases_created=loaded.created,
            purchases_skipped=loaded.skipped,
            points_earned=loaded.points,
        )
        found = await jobs.get_job(uow, job.id)
        assert found is not None
        return found
