"""The GraphQL endpoint: strawberry's ASGI view with Tessera's gate, context and orjson.

Before strawberry reads a request: the caller is authenticated (a token that does not
verify is refused, 401 or 429), and an anonymous caller is refused unless its operation is
allowed anonymously (schema/anonymous.py), so no document is parsed for it. The body is
then decoded by schema/body.py (strict UTF-8, bounded depth, storable text). Every refusal
and every HTTP-level error is answered as JSON with `errors[].extensions.code`."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types.graphql import OperationType

from domain.access.principals import Anonymous, Principal
from domain.badges.services import Handover
from domain.staff.sign_in import StaffSignIn
from domain.uow import UnitOfWork
from domain.webhooks.targets import TargetPolicy
from funnels.definitions.filters import FilterCheck, refuse_filters
from funnels.simulation import SimulationRuntime
from notifications.proofs import HandOver
from schema.anonymous import (
    ANONYMOUS_MAX_BODY_BYTES,
    ANONYMOUS_ROOT_FIELDS,
    INTROSPECTION_ROOT_FIELDS,
    selects_only,
)
from schema.auth import Authenticator, client_address, unauthenticated
from schema.body import decode_body
from schema.context import Context, Loaders, ShopFacts
from schema.responses import Refusal, error_response
from schema.throttle import Throttle, Unthrottled

T = TypeVar("T")
POST_OPERATION_TYPES = frozenset(OperationType.from_http("POST"))


def _posts_json(request: Request) -> bool:
    if request.method != "POST":
        return False
    media_type = request.headers.get("content-type", "").partition(";")[0]
    return media_type.strip().lower() == "application/json"


def _part(data: dict[str, Any], name: str, kind: type[T], described: str) -> T | None:
    value = data.get(name)
    if value is not None and not isinstance(value, kind):
        raise HTTPException(
            400, f"The GraphQL operation's `{name}` must be {described} or null, if provided."
        )
    return value


def _lenient_json(body: bytes) -> object:
    """The body as JSON whatever its strings hold; None when it is not JSON at all."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


class TesseraGraphQL(GraphQL[Context, None]):
    def __init__(
        self,
        schema: strawberry.Schema,
        new_uow: Callable[[], UnitOfWork],
        authenticator: Authenticator,
        max_page_size: int,
        debug: bool,
        throttle: Throttle | None = None,
        graphiql_html: str | None = None,
        badge_handover: Handover | None = None,
        message_handover: HandOver | None = None,
        check_filter: FilterCheck = refuse_filters,
        funnel_simulation: SimulationRuntime | None = None,
        staff_sign_in: StaffSignIn | None = None,
        webhook_targets: TargetPolicy | None = None,
        import_handover: Callable[[int], Awaitable[None]] | None = None,
        shop: ShopFacts | None = None,
    ) -> None:
        super().__init__(
            schema, graphql_ide="graphiql" if debug else None, allow_queries_via_get=False
        )
        self._graphiql_html = graphiql_html
        self._new_uow = new_uow
        self._authenticator = authenticator
        self._max_page_size = max_page_size
        self._throttle = throttle or Unthrottled()
        self._badge_handover = badge_handover
        self._message_handover = message_handover
        self._check_filter = check_filter
        self._funnel_simulation = funnel_simulation
        self._staff_sign_in = staff_sign_in or StaffSignIn()
        self._webhook_targets = webhook_targets or TargetPolicy()
        self._import_handover = import_handover
        self._shop = shop or ShopFacts()
        # Root fields an anonymous caller may select (introspection only in debug).
        self._anonymous_fields = ANONYMOUS_ROOT_FIELDS | (
            INTROSPECTION_ROOT_FIELDS if debug else frozenset()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no subscriptions are served
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            request.state.principal = await self._admit(request)
            response = await self._post(request) if _posts_json(request) else None
            if response is None:
                response = await self.run(request)
        except Refusal as refusal:
            response = refusal.response()
        except HTTPException as error:  # strawberry's own refusals (content type, method...)
            response = error_response(error.status_code, error.reason)
        await response(scope, receive, send)

    async def _post(self, request: Request) -> Response | None:
        """A POST of one operation as JSON, answered with strawberry's parts (sub-response,
        context, result, response) but not its `run`, whose request adapter, content-type
        parsing and result type checks cost about 0.1 ms a request (bench/README.md); None
        for a body that is not one operation (a batch), left to `run` to answer."""
        data = self.decode_json(await request.body())
        if not isinstance(data, dict):
            return None
        # strawberry's checks and messages (its parse_http_body)
        query = _part(data, "query", str, "a string")
        variables = _part(data, "variables", dict, "an object")
        extensions = _part(data, "extensions", dict, "an object")
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        try:
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=data.get("operationName"),
                allowed_operation_types=POST_OPERATION_TYPES,
                operation_extensions=extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error
        return self.create_response(process_result(result), sub_response)

    async def _admit(self, request: Request) -> Principal:
        """The caller, or a Refusal before the body is read."""
        principal = await self._authenticator.caller(request)
        if not isinstance(principal, Anonymous):
            return principal
        if request.method == "GET" and self.graphql_ide and "query" not in request.query_params:
            return principal  # GraphiQL's page (debug only)
        if not self._anonymous_fields or request.method != "POST":
            raise unauthenticated(principal)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > ANONYMOUS_MAX_BODY_BYTES:
            raise unauthenticated(principal)
        body = await request.body()  # bounded by the app's body-size limit
        if len(body) > ANONYMOUS_MAX_BODY_BYTES:
            raise unauthenticated(principal)
        try:
            data = decode_body(body)
        except Refusal:
            # A body refused for its text (a NUL in a password) is answered as such only
            # when it is an allowed operation; anything else stays a plain 401.
            if self._selects_allowed(_lenient_json(body)):
                raise
            raise unauthenticated(principal) from None
        if not self._selects_allowed(data):
            raise unauthenticated(principal)
        return principal

    def _selects_allowed(self, data: object) -> bool:
        if not isinstance(data, dict):
            return False
        return selects_only(data.get("query"), data.get("operationName"), self._anonymous_fields)

    @property
    def graphql_ide_html(self) -> str:
        # The page loading its scripts from Tessera itself (tessera/graphiql.py) when the app
        # was given one; strawberry's own page (scripts from a CDN) otherwise.
        return self._graphiql_html or super().graphql_ide_html

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        principal: Principal = getattr(request.state, "principal", Anonymous())
        return Context(
            principal=principal,
            new_uow=self._new_uow,
            loaders=Loaders(self._new_uow),
            max_page_size=self._max_page_size,
            request=request,
            response=response,
            client_address=client_address(request),
            throttle=self._throttle,
            badge_handover=self._badge_handover,
            message_handover=self._message_handover,
            check_filter=self._check_filter,
            funnel_simulation=self._funnel_simulation,
            staff_sign_in=self._staff_sign_in,
            forget_session=self._authenticator.forget_session,
            webhook_targets=self._webhook_targets,
            import_handover=self._import_handover,
            shop=self._shop,
        )

    # Requests are read with the standard json module on purpose: orjson reads integers
    # beyond 64 bits as floats, and such a number must come back as a user error.
    def decode_json(self, data: str | bytes) -> object:
        return decode_body(data)

    def encode_json(self, data: Any) -> bytes:
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:
            # Text orjson refuses (a lone surrogate echoed in a message): escaped instead.
            return json.dumps(data, default=str).encode()
