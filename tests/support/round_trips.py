"""Counting round trips to PostgreSQL: every message exchange the driver makes.

asyncpg talks to the server through its connection's protocol object: each of the methods
in EXCHANGES sends messages and waits for the server's answer (a simple query, a prepare, a
bind-and-execute, closing a statement, ...), so counting their calls counts round trips,
BEGIN and COMMIT included (they are simple queries). `counting_engine` gives an engine
whose every connection's protocol is wrapped so that its exchanges are logged; the
statements still run on the real driver and server. asyncpg's own query logger would miss
the prepared statements SQLAlchemy executes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.database import create_engine

T = TypeVar("T")

# The protocol's methods that exchange messages with the server.
EXCHANGES = frozenset(
    {
        "query",
        "prepare",
        "bind_execute",
        "bind_execute_many",
        "bind",
        "execute",
        "close_statement",
        "copy_in",
        "copy_out",
    }
)


@dataclass
class RoundTrips:
    """The exchanges made since the last `reset`: (method, SQL) each."""

    made: list[tuple[str, str]] = field(default_factory=list)

    def reset(self) -> None:
        self.made.clear()

    @property
    def count(self) -> int:
        return len(self.made)

    async def of(self, work: Awaitable[T]) -> tuple[int, T]:
        """How many round trips `work` made (a coroutine not yet started), and its result."""
        self.reset()
        result = await work
        return self.count, result

    def describe(self) -> str:
        return "\n".join(f"{method}: {' '.join(sql.split())[:100]}" for method, sql in self.made)


class _CountingProtocol:
    """The real protocol, its exchanges logged."""

    def __init__(self, protocol: Any, trips: RoundTrips) -> None:
        self._protocol = protocol
        self._trips = trips

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._protocol, name)
        if name not in EXCHANGES:
            return attribute

        async def exchange(*args: Any, **kwargs: Any) -> Any:
            self._trips.made.append((name, _sql_of(args, kwargs)))
            return await attribute(*args, **kwargs)

        return exchange


def _sql_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    for value in (*args, *kwargs.values()):
        if isinstance(value, str) and " " in value:
            return value
        query = getattr(value, "query", None)
        if isinstance(query, str):
            return query
    return ""


@asynccontextmanager
async def counting_engine(database_url: str) -> AsyncIterator[tuple[AsyncEngine, RoundTrips]]:
    """An engine of one connection (so that the statements a warm-up prepared stay prepared,
    as on a server's long-lived connections) whose round trips are counted."""
    engine = create_engine(database_url, pool_size=1)
    trips = RoundTrips()

    def wrap(dbapi_connection: Any, _record: Any) -> None:
        driver = dbapi_connection.driver_connection
        driver._protocol = _CountingProtocol(driver._protocol, trips)

    event.listen(engine.sync_engine, "connect", wrap)
    try:
        yield engine, trips
    finally:
        await engine.dispose()
