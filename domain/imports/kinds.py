"""What differs between the kinds of import file, for services.import_file: how a file's
checked rows are taken in order (repeated references, orders), how a chunk is staged and
loaded, and where the chunks end. Customers and balances files name each customer once, so
their chunks touch disjoint customers and load two at a time; a purchases file's chunks
may credit the same customer, so they load one after another (two transactions waiting on
each other's balance rows, one of them in Python, would never end)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from domain.commands import Command
from domain.errors import ErrorCode
from domain.imports import jobs
from domain.imports.formats import ImportKind
from domain.imports.jobs import Job
from domain.imports.loading import LoadChunk, StageChunk, split_unknown
from domain.imports.purchase_loading import (
    LoadOrders,
    StagePurchaseChunk,
    next_orders,
    split_unknown_customers,
)
from domain.imports.purchase_rows import OrderBook
from domain.imports.rows import RowProblem, Staged
from domain.uow import UnitOfWork

StagedRows = list[tuple[int, Staged]]


class InOrder(ABC):
    """A file's checked rows as they arrive in file order, chunk by chunk."""

    @abstractmethod
    def add(self, rows: Sequence[tuple[int, Staged]]) -> tuple[StagedRows, list[RowProblem]]:
        """The rows to stage, and the problems of the others."""


class FirstReferences(InOrder):
    """Each external_ref once: a later row repeating one is a problem naming the first."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._column = headers["external_ref"]
        self._first_line: dict[str, int] = {}

    def add(self, rows: Sequence[tuple[int, Staged]]) -> tuple[StagedRows, list[RowProblem]]:
        unique: StagedRows = []
        problems: list[RowProblem] = []
        for line, values in rows:
            seen = self._first_line.setdefault(values[0], line)
            if seen == line:
                unique.append((line, values))
            else:
                problems.append(
                    RowProblem(
                        line,
                        self._column,
                        ErrorCode.DUPLICATE.value,
                        f"This external_ref is on line {seen} already.",
                    )
                )
        return unique, problems


class Orders(InOrder):
    def __init__(self, headers: Mapping[str, str]) -> None:
        self._book = OrderBook(headers)

    def add(self, rows: Sequence[tuple[int, Staged]]) -> tuple[StagedRows, list[RowProblem]]:
        return self._book.add(rows)


@dataclass(frozen=True)
class Steps(ABC):
    """An import's kind-specific steps; `earn` (purchases only) is part of its identity."""

    earn: bool = False
    # Our column naming the customer, as the problems of unknown customers name it.
    ref_column: str = "external_ref"
    load_connections: int = 2
    # The command staging a checked chunk.
    staging: ClassVar[type[StageChunk] | type[StagePurchaseChunk]] = StageChunk

    @abstractmethod
    def in_order(self, headers: Mapping[str, str]) -> InOrder: ...

    def stage(
        self,
        job_id: int,
        after_line: int,
        last_line: int,
        rows: StagedRows,
        problems: list[RowProblem],
        ref_header: str,
        rows_read: int,
    ) -> Command[list[RowProblem]]:
        return self.staging(job_id, after_line, last_line, rows, problems, ref_header, rows_read)

    async def unknown_customers(
        self, uow: UnitOfWork, rows: StagedRows, ref_header: str
    ) -> list[RowProblem]:
        """A dry run's problems for rows naming no customer (as staging finds them)."""
        return []

    async def chunk_ends(self, uow: UnitOfWork, job_id: int, after: int, rows: int) -> list[int]:
        return await jobs.chunk_ends(uow, job_id, after, rows)

    def load(
        self,
        job_id: int,
        after: int,
        upto: int,
        actor: str,
        ref_header: str,
        previous: Awaitable[object] | None,
    ) -> Command[Job]:
        """The command loading a chunk (`ref_header`: the file's name of the reference
        column, for the problems of rows not loaded)."""
        return LoadChunk(job_id, after, upto, actor, ref_header, after_previous=previous)

    def identity(self) -> str:
        """Text added to the file's digest: the same file imported otherwise is another
        import."""
        return ""


class CustomerSteps(Steps):
    def in_order(self, headers: Mapping[str, str]) -> InOrder:
        return FirstReferences(headers)


class BalanceSteps(CustomerSteps):
    async def unknown_customers(
        self, uow: UnitOfWork, rows: StagedRows, ref_header: str
    ) -> list[RowProblem]:
        return (await split_unknown(uow, rows, ref_header))[1] if rows else []


@dataclass(frozen=True)
class PurchaseSteps(Steps):
    ref_column: str = "customer_ref"
    load_connections: int = 1
    staging: ClassVar[type[StageChunk] | type[StagePurchaseChunk]] = StagePurchaseChunk

    def in_order(self, headers: Mapping[str, str]) -> InOrder:
        return Orders(headers)

    async def unknown_customers(
        self, uow: UnitOfWork, rows: StagedRows, ref_header: str
    ) -> list[RowProblem]:
        if not rows:
            return []
        # A numbered row's values start with its order's number, then the reference.
        by_ref = [(line, values[1:]) for line, values in rows]
        return (await split_unknown_customers(uow, by_ref, ref_header))[1]

    async def chunk_ends(self, uow: UnitOfWork, job_id: int, after: int, rows: int) -> list[int]:
        ends: list[int] = []
        while (end := await next_orders(uow, job_id, after, rows)) is not None:
            ends.append(end)
            after = end
        return ends

    def load(
        self,
        job_id: int,
        after: int,
        upto: int,
        actor: str,
        ref_header: str,
        previous: Awaitable[object] | None,
    ) -> Command[Job]:
        assert previous is None  # one chunk at a time (the module's docstring)
        return LoadOrders(job_id, after, upto, actor, self.earn, ref_header)

    def identity(self) -> str:
        return "earn" if self.earn else ""


def steps_for(kind: ImportKind, *, earn: bool = False) -> Steps:
    """The steps of `kind`; ValueError when `earn` is asked of another kind than
    purchases."""
    if earn and kind is not ImportKind.PURCHASES:
        raise ValueError("only a purchases file can earn points")
    if kind is ImportKind.PURCHASES:
        return PurchaseSteps(earn=earn)
    return BalanceSteps() if kind is ImportKind.BALANCES else CustomerSteps()
