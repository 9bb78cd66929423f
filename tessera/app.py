"""The Starlette application: POST /graphql (GraphiQL on GET in debug, its scripts under
/graphiql), GET /health, the CSV exports (tessera/exports.py), the import files
(tessera/import_files.py) and the web console under /console (tessera/console.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from domain.staff.sessions import Clock, SessionPolicy, utc_now
from domain.staff.sign_in import StaffSignIn
from domain.uow import UnitOfWork
from funnels.definitions.filters import FilterCheck
from schema.auth import Authenticator
from schema.context import ShopFacts
from schema.responses import error_response
from schema.root import build_schema
from schema.throttle import ThrottleRule
from schema.view import TesseraGraphQL
from tessera.bi_exports import bi_exports
from tessera.card_exports import card_barcode, series_cards_export
from tessera.console import console_routes
from tessera.customer_data_export import customer_data_export
from tessera.database import create_engine
from tessera.embedded import ensure_database_url
from tessera.exports import ledger_movements_export, voucher_batch_export
from tessera.funnel_engine import simulation_runtime
from tessera.funnel_filters import CHECK_FILTER
from tessera.garbage_collection import tune_for_service
from tessera.graphiql import ASSETS_DIR, ASSETS_ROUTE, graphiql_page
from tessera.handover import badge_handover, import_handover, message_handover
from tessera.import_files import UPLOAD_PATH, import_file_routes
from tessera.integrations import platform_webhooks
from tessera.keepalive import KeepAliveLimit
from tessera.last_resort import LastResort
from tessera.limits import BodySizeLimit
from tessera.ratelimit import RateLimits, storage_url
from tessera.settings import Settings
from tessera.unsubscribe import unsubscribe_routes
from tessera.url_text import StorableUrlText
from tessera.webhooks import twilio_inbound_sms, twilio_status_callback

logger = logging.getLogger("tessera")


@dataclass
class _Resources:
    engine: AsyncEngine | None = None

    def new_uow(self) -> UnitOfWork:
        if self.engine is None:
            raise RuntimeError("the application's lifespan has not started")
        return UnitOfWork(self.engine)


def create_app(
    settings: Settings | None = None,
    database_url: str | None = None,
    background: Callable[[AsyncEngine], Coroutine[Any, Any, None]] | None = None,
    check_filter: FilterCheck = CHECK_FILTER,
    clock: Clock = utc_now,
) -> Starlette:
    """Build the app; the database engine opens and closes with the app's lifespan, and so
    does the `background` task when one is given (the demo's in-process sending). `clock`
    judges console sessions and sign-in lockouts (tests move it instead of sleeping)."""
    settings = settings or Settings.from_env()
    url = database_url or ensure_database_url(settings)
    resources = _Resources()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        resources.engine = create_engine(url, settings.db_pool_size)
        tune_for_service()
        task: asyncio.Task[None] | None = None
        if background is not None:
            task = asyncio.create_task(background(resources.engine))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
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

    throttle = RateLimits(
        storage_url(settings.rate_limit_url, settings.broker_url),
        {
            ThrottleRule.VOUCHER_ATTEMPTS: settings.rate_limit_vouchers,
            ThrottleRule.FAILED_AUTHENTICATION: settings.rate_limit_failed_auth,
            ThrottleRule.TEST_MESSAGES: settings.rate_limit_test_messages,
        },
    )
    sessions = SessionPolicy(
        idle_timeout_s=settings.session_idle_timeout_s,
        max_age_s=settings.session_max_age_s,
        clock=clock,
    )
    authenticator = Authenticator(
        resources.new_uow, settings.jwt_secret, settings.jwt_audience, throttle, sessions
    )
    graphiql = _graphiql_page() if settings.debug else None
    graphql = TesseraGraphQL(
        build_schema(
            max_depth=settings.max_query_depth,
            max_cost=settings.max_query_cost,
            max_page_size=settings.max_page_size,
        ),
        new_uow=resources.new_uow,
        authenticator=authenticator,
        max_page_size=settings.max_page_size,
        debug=settings.debug,
        throttle=throttle,
        graphiql_html=graphiql,
        badge_handover=badge_handover(settings),
        message_handover=message_handover(settings, resources.new_uow),
        check_filter=check_filter,
        funnel_simulation=simulation_runtime(settings),
        staff_sign_in=StaffSignIn(sessions=sessions),
        webhook_targets=settings.webhook_targets(),
        import_handover=import_handover(settings, resources.new_uow),
        shop=ShopFacts(settings.shop_name, settings.currency),
    )
    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        voucher_batch_export(resources.new_uow, authenticator),
        ledger_movements_export(resources.new_uow, authenticator),
        *bi_exports(resources.new_uow, authenticator),
        series_cards_export(resources.new_uow, authenticator),
        card_barcode(resources.new_uow, authenticator),
        *platform_webhooks(resources.new_uow),
        customer_data_export(resources.new_uow, authenticator),
        *import_file_routes(resources.new_uow, authenticator),
        twilio_inbound_sms(resources.new_uow, settings),
        twilio_status_callback(resources.new_uow, settings),
        unsubscribe_routes(resources.new_uow, settings),
        *console_routes(settings.console_dir),
    ]
    if graphiql is not None:
        routes.append(Mount(ASSETS_ROUTE, app=StaticFiles(directory=ASSETS_DIR)))
    return Starlette(
        debug=False,
        middleware=[
            Middleware(LastResort),
            Middleware(StorableUrlText),
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_body_bytes,
                own_limits={UPLOAD_PATH: settings.import_max_bytes},
            ),
            Middleware(KeepAliveLimit, max_requests=settings.keepalive_requests),
        ],
        routes=routes,
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (no such path, method not allowed) in the API's error shape."""
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, error.detail, headers=error.headers)


def _graphiql_page() -> str | None:
    page = graphiql_page(ASSETS_DIR)
    if page is None:
        logger.warning(
            "GraphiQL's scripts are not in %s: the page loads them from unpkg.com, which needs "
            "internet; `tessera graphiql-assets` fetches them",
            ASSETS_DIR,
        )
    return page


def app_from_env() -> Starlette:
    """Factory for uvicorn workers (`tessera serve --workers N`)."""
    return create_app()
