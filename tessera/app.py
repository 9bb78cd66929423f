"""The Starlette application: POST /graphql (GraphiQL on GET in debug), GET /health and the
CSV exports (tessera/exports.py)."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.uow import UnitOfWork
from schema.auth import Authenticator
from schema.root import build_schema
from schema.view import TesseraGraphQL
from tessera.database import create_engine
from tessera.embedded import ensure_database_url
from tessera.exports import ledger_movements_export, voucher_batch_export
from tessera.handover import badge_handover
from tessera.keepalive import KeepAliveLimit
from tessera.settings import Settings

logger = logging.getLogger("tessera")


@dataclass
class _Resources:
    engine: AsyncEngine | None = None

    def new_uow(self) -> UnitOfWork:
        if self.engine is None:
            raise RuntimeError("the application's lifespan has not started")
        return UnitOfWork(self.engine)


def create_app(settings: Settings | None = None, database_url: str | None = None) -> Starlette:
    """Build the app; the database engine opens and closes with the app's lifespan."""
    settings = settings or Settings.from_env()
    url = database_url or ensure_database_url(settings)
    resources = _Resources()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        resources.engine = create_engine(url, settings.db_pool_size)
        _tune_garbage_collector()
        try:
            yield
        finally:
            await resources.engine.dispose()
            resources.engine = None

    async def health(request: Request) -> JSONResponse:
        try:
            assert resources.engine is not None
            async with resources.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as error:  # any failure to reach the database is "unhealthy"
            logger.warning("health check failed: %s", error)
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "up"})

    authenticator = Authenticator(resources.new_uow, settings.jwt_secret, settings.jwt_audience)
    graphql = TesseraGraphQL(
        build_schema(max_depth=settings.max_query_depth),
        new_uow=resources.new_uow,
        authenticator=authenticator,
        max_page_size=settings.max_page_size,
        debug=settings.debug,
        badge_handover=badge_handover(settings),
    )
    return Starlette(
        debug=False,
        middleware=[Middleware(KeepAliveLimit, max_requests=settings.keepalive_requests)],
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/health", health, methods=["GET"]),
            voucher_batch_export(resources.new_uow, authenticator),
            ledger_movements_export(resources.new_uow, authenticator),
        ],
        lifespan=lifespan,
    )


def _tune_garbage_collector() -> None:
    """Keep the objects built at start-up (schema, modules) out of every collection, and
    collect the young generation less often: a request allocates many short-lived objects,
    and frequent collections were a source of tail latency."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def app_from_env() -> Starlette:
    """Factory for uvicorn workers (`tessera serve --workers N`)."""
    return create_app()
