"""The unit of work: one database transaction, and the events recorded during it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol, TypeVar
from weakref import WeakKeyDictionary

import asyncpg
from sqlalchemy import Executable, Result, TextClause, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncResult, AsyncTransaction
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from domain.events.store import DomainEvent, insert_events

T = TypeVar("T")


class Executor(Protocol):
    """What statements run on: an open unit of work, or a connection of one statement each."""

    async def execute(
        self, statement: Executable, params: Mapping[str, Any] | list[dict[str, Any]] | None = None
    ) -> Result[Any]: ...

    async def fetch_row(
        self, statement: TextClause, params: Mapping[str, Any]
    ) -> Mapping[Any, Any] | None: ...


class UnitOfWork:
    """`async with uow:` opens a transaction; leaving without `commit()` rolls it back.

    The same object can be entered again after it exits (a command whose write lost a race
    re-reads the winner's result in a new one), but not while it is open. Writes open it
    only through domain.commands.run; reads open it themselves."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None
        self._events: list[DomainEvent] = []

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    async def __aenter__(self) -> UnitOfWork:
        if self._conn is not None:
            raise RuntimeError("unit of work is already open")
        self._conn = await self._engine.connect()
        self._tx = await self._conn.begin()
        self._events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, tx = self._conn, self._tx
        self._conn = self._tx = None
        self._events = []
        try:
            if tx is not None and tx.is_active:
                await tx.rollback()
        finally:
            if conn is not None:
                await conn.close()

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work is not open")
        return self._conn

    async def fetch_row(
        self, statement: TextClause, params: Mapping[str, Any]
    ) -> Mapping[Any, Any] | None:
        """The first row of a textual statement, as a mapping (None when there is none)."""
        return (await self.execute(statement, params)).mappings().one_or_none()

    async def execute(
        self, statement: Executable, params: Mapping[str, Any] | list[dict[str, Any]] | None = None
    ) -> Result[Any]:
        return await self.connection.execute(statement, params)

    async def stream(self, statement: Executable) -> AsyncResult[Any]:
        """The rows of a query through a server-side cursor, fetched as they are iterated."""
        return await self.connection.stream(statement)

    async def copy_records(
        self, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]]
    ) -> None:
        """COPY `records` into `table` in the open transaction (a bulk import's staging):
        the fastest way rows get into PostgreSQL, committed with the rest of the unit."""
        raw = await self.connection.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        await driver.copy_records_to_table(table, records=records, columns=list(columns))

    def record(self, event: DomainEvent) -> None:
        """Queue an event; it is written in this transaction, just before commit."""
        self._events.append(event)

    async def commit(self) -> None:
        if self._conn is None or self._tx is None:
            raise RuntimeError("unit of work is not open")
        if self._events:
            await insert_events(self.connection, self._events)
            self._events = []
        await self._tx.commit()


async def read(uow: UnitOfWork, query: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """`query` in its own unit of work, opened and closed here: a read for a caller outside
    the domain (the API's dataloaders), which never opens a unit of work itself."""
    async with uow:
        return await query(uow)


# PostgreSQL refuses every write in the transaction (INSERT, UPDATE, DELETE, a sequence's
# nextval, a lock FOR UPDATE) with "cannot execute ... in a read-only transaction"; and
# REPEATABLE READ makes every statement see one snapshot, taken at the first query.
_READ_ONLY_SNAPSHOT = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


async def read_only(uow: UnitOfWork, query: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """`query` in its own unit of work, a transaction PostgreSQL itself keeps from writing
    (READ ONLY, set as its first statement) whose statements all see the same snapshot
    (REPEATABLE READ): for a long read made of many statements that must add up (a dry
    run) and must be unable to change anything, whatever code it calls. A write attempted
    in it raises, and nothing is ever committed."""
    async with uow:
        await uow.execute(_READ_ONLY_SNAPSHOT)
        return await query(uow)


class OneStatement:
    """`async with OneStatement(engine) as db:` a connection on which each statement is its
    own transaction (autocommit): no BEGIN and COMMIT round trips.

    For the hot paths whose whole work is one self-contained statement (a credit, a new
    purchase: events written by the statement itself, which is why there is no `record`)
    and for reads of one statement (a quote). `fetch_row` and `fetch_all` run a textual
    statement straight on the pooled asyncpg connection, outside any transaction (so
    autocommit), skipping
    SQLAlchemy's per-connection and per-statement work (about 0.4 ms of CPU a request); a
    SQLAlchemy statement given to `execute` runs on a SQLAlchemy connection in autocommit
    mode instead. Since each statement commits on its own, which pooled connection runs it
    does not matter, and at most one is held at a time. A connection found dead (the
    database restarted) is thrown away with the rest of the pool and the statement runs
    once more on a new one: such statements are idempotent, so one that did commit before
    the connection died replays as a duplicate. Constraint violations are raised as
    IntegrityError, as SQLAlchemy raises them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._open = False
        self._raw: PoolProxiedConnection | None = None
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> OneStatement:
        if self._open:
            raise RuntimeError("connection is already open")
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        await self._release()

    async def _release(self) -> None:
        raw, conn = self._raw, self._conn
        self._raw = self._conn = None
        if raw is not None:
            await greenlet_spawn(raw.close)  # back to the pool
        if conn is not None:
            await conn.close()

    async def execute(
        self, statement: Executable, params: Mapping[str, Any] | list[dict[str, Any]] | None = None
    ) -> Result[Any]:
        if not self._open:
            raise RuntimeError("connection is not open")
        if self._conn is None:
            await self._release()
            self._conn = await _autocommit_engine(self._engine).connect()
        return await self._conn.execute(statement, params)

    async def fetch_row(
        self, statement: TextClause, params: Mapping[str, Any]
    ) -> Mapping[Any, Any] | None:
        """The first row of a textual statement, as a mapping (None when there is none)."""
        sql, names = self._positional(statement)
        args = [params[n] for n in names]
        try:
            return await self._fetch_on_driver(sql, args)
        except _DISCONNECTED:
            await self._discard_dead_connection()
            return await self._fetch_on_driver(sql, args)

    async def fetch_all(
        self, statement: TextClause, params: Mapping[str, Any]
    ) -> list[Mapping[Any, Any]]:
        """Every row of a textual statement, as mappings, run as `fetch_row` runs it (straight
        on the driver; a dead connection thrown away and the statement run once more)."""
        sql, names = self._positional(statement)
        args = [params[n] for n in names]
        try:
            return await self._fetch_all_on_driver(sql, args)
        except _DISCONNECTED:
            await self._discard_dead_connection()
            return await self._fetch_all_on_driver(sql, args)

    async def _fetch_all_on_driver(self, sql: str, args: list[Any]) -> list[Mapping[Any, Any]]:
        driver = await self._driver()
        try:
            rows: list[Mapping[Any, Any]] = await driver.fetch(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise IntegrityError(sql, args, error) from error
        return rows

    async def _driver(self) -> asyncpg.Connection:
        if not self._open:
            raise RuntimeError("connection is not open")
        if self._conn is not None:
            raw_of_conn = await self._conn.get_raw_connection()
            return raw_of_conn.driver_connection
        if self._raw is None:
            self._raw = await self._engine.raw_connection()
        driver: asyncpg.Connection = self._raw.driver_connection
        return driver

    async def _fetch_on_driver(self, sql: str, args: list[Any]) -> Mapping[Any, Any] | None:
        driver = await self._driver()
        try:
            row: Mapping[Any, Any] | None = await driver.fetchrow(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise IntegrityError(sql, args, error) from error
        return row

    async def _discard_dead_connection(self) -> None:
        # SQLAlchemy does this itself for statements it runs; the driver path must tell it.
        logger.warning("database connection lost; reconnecting and discarding the pool")
        if self._raw is not None:
            self._raw.invalidate()
        if self._conn is not None:
            await self._conn.invalidate()
        await self._release()
        await self._engine.dispose(close=False)

    def _positional(self, statement: TextClause) -> tuple[str, tuple[str, ...]]:
        found = _POSITIONAL.get(statement.text)
        if found is None:
            compiled = statement.compile(dialect=self._engine.dialect)
            found = (compiled.string, tuple(compiled.positiontup or ()))
            _POSITIONAL[statement.text] = found
        return found


logger = logging.getLogger("tessera.db")

# What asyncpg raises when the server side of a connection is gone.
_DISCONNECTED = (
    asyncpg.InterfaceError,  # "connection is closed"
    asyncpg.InternalClientError,  # the protocol was left mid-operation by a dropped link
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,  # the server terminated this backend
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    OSError,
)

_AUTOCOMMIT_ENGINES: WeakKeyDictionary[AsyncEngine, AsyncEngine] = WeakKeyDictionary()


def _autocommit_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, with connections handed out in autocommit mode."""
    found = _AUTOCOMMIT_ENGINES.get(engine)
    if found is None:
        found = _AUTOCOMMIT_ENGINES[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


# Textual statements compiled for asyncpg ($1, $2, ...) with their parameter names in order,
# keyed by their SQL (a fixed set: the statements are module constants).
_POSITIONAL: dict[str, tuple[str, tuple[str, ...]]] = {}


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint a failed statement violated, as PostgreSQL reports it."""
    for source in (error.orig, getattr(error.orig, "__cause__", None)):
        name = getattr(source, "constraint_name", None)
        if name is not None:
            return str(name)
    return None
