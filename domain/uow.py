"""The unit of work: one database transaction, and the events recorded during it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from weakref import WeakKeyDictionary

import asyncpg
from sqlalchemy import Executable, Result, TextClause
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncResult, AsyncTransaction

from domain.events.store import DomainEvent, insert_events


class UnitOfWork:
    """`async with uow:` opens a transaction; leaving without `commit()` rolls it back.

    The same object can be entered again after it exits (a service that has to re-read
    after a failed attempt does so), but not while it is open."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None
        self._events: list[DomainEvent] = []
        self._autocommit_next = False
        self._driver: asyncpg.Connection | None = None

    def autocommit(self) -> UnitOfWork:
        """`async with uow.autocommit():` runs each statement as its own transaction.

        For hot paths whose only write is one self-contained statement (events included in
        it): it saves the BEGIN and COMMIT round trips. Recording events is refused there."""
        self._autocommit_next = True
        return self

    async def __aenter__(self) -> UnitOfWork:
        if self._conn is not None:
            raise RuntimeError("unit of work is already open")
        if self._autocommit_next:
            self._autocommit_next = False
            self._conn = await _autocommit_engine(self._engine).connect()
            self._driver = (await self._conn.get_raw_connection()).driver_connection
        else:
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
        self._conn = self._tx = self._driver = None
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
        """The first row of a textual statement, as a mapping (None when there is none).

        In autocommit mode it goes straight to the asyncpg connection: hot paths skip
        SQLAlchemy's per-statement work (about 0.2 ms of CPU). There, a connection found dead
        (the database restarted) is thrown away with the rest of the pool and the statement
        runs once more on a new one: hot-path statements are idempotent, so a statement that
        did commit before the connection died replays as a duplicate. Constraint violations
        are raised as IntegrityError either way."""
        if self._tx is not None:
            return (await self.execute(statement, params)).mappings().one_or_none()
        sql, names = self._positional(statement)
        args = [params[n] for n in names]
        try:
            return await self._fetch_on_driver(sql, args)
        except _DISCONNECTED:
            await self._replace_dead_connection()
            return await self._fetch_on_driver(sql, args)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise IntegrityError(sql, dict(params), error) from error

    async def _fetch_on_driver(self, sql: str, args: list[Any]) -> Mapping[Any, Any] | None:
        assert self._driver is not None
        try:
            row: Mapping[Any, Any] | None = await self._driver.fetchrow(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise IntegrityError(sql, args, error) from error
        return row

    async def _replace_dead_connection(self) -> None:
        # SQLAlchemy does this itself for statements it runs; the driver path must tell it.
        logger.warning("database connection lost; reconnecting and discarding the pool")
        await self.connection.invalidate()
        await self.connection.close()
        await self._engine.dispose(close=False)
        self._conn = await _autocommit_engine(self._engine).connect()
        self._driver = (await self._conn.get_raw_connection()).driver_connection

    def _positional(self, statement: TextClause) -> tuple[str, tuple[str, ...]]:
        found = _POSITIONAL.get(statement.text)
        if found is None:
            compiled = statement.compile(dialect=self._engine.dialect)
            found = (compiled.string, tuple(compiled.positiontup or ()))
            _POSITIONAL[statement.text] = found
        return found

    async def execute(
        self, statement: Executable, params: Mapping[str, Any] | list[dict[str, Any]] | None = None
    ) -> Result[Any]:
        return await self.connection.execute(statement, params)

    async def stream(self, statement: Executable) -> AsyncResult[Any]:
        """The rows of a query through a server-side cursor, fetched as they are iterated."""
        return await self.connection.stream(statement)

    def record(self, event: DomainEvent) -> None:
        """Queue an event; it is written in this transaction, just before commit."""
        if self._conn is not None and self._tx is None:
            raise RuntimeError("events cannot be recorded in autocommit mode")
        self._events.append(event)

    async def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("unit of work is not open")
        if self._tx is None:
            return  # autocommit: every statement is already committed
        if self._events:
            await insert_events(self.connection, self._events)
            self._events = []
        await self._tx.commit()


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
