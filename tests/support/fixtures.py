"""Shared fixtures (a pytest plugin, registered in the root conftest.py so that both tests/
and frontend-contract/ see them): a fresh migrated PostgreSQL database, a Dramatiq broker
URL, a real server on that database, staff tokens and a GraphQL client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.access.tokens import create_staff_token
from domain.uow import UnitOfWork
from tessera.database import create_engine
from tests.support.api import GraphQLClient, running_server
from tests.support.brokers import find_broker
from tests.support.databases import find_server, fresh_database, reset_tables


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server on which tests may create and drop databases."""
    url, stop = find_server(tmp_path_factory.mktemp("postgres"))
    try:
        yield url
    finally:
        stop()


@pytest.fixture(scope="session")
async def database_url(postgres_server: str) -> AsyncIterator[str]:
    """A database created for this session, migrated to head, dropped at the end."""
    async with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def clean_db(engine: AsyncEngine) -> AsyncEngine:
    """Empties the session database before the test (leaving it for inspection after)."""
    await reset_tables(engine)
    return engine


@pytest.fixture(scope="session")
def broker_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, stop = find_broker(tmp_path_factory.mktemp("broker"))
    try:
        yield url
    finally:
        stop()


@pytest.fixture(scope="session")
async def server_url(database_url: str) -> AsyncIterator[str]:
    """A real HTTP server (uvicorn, lifespan on) serving the app on the session database."""
    async with running_server(database_url) as url:
        yield url


@pytest.fixture
async def tokens(clean_db: AsyncEngine) -> dict[str, str]:
    """A staff token for every role, created after the database was emptied."""
    return {
        role.value: await create_staff_token(UnitOfWork(clean_db), role.value, role.value)
        for role in Role
    }


@pytest.fixture
async def gql(server_url: str, tokens: dict[str, str]) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client on the real server, authenticated as admin by default."""
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        yield GraphQLClient(http, tokens["admin"])
