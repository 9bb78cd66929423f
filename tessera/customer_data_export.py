"""A customer's data as a download: GET /customers/{id}/data.json (GDPR articles 15 and
20), the document exportCustomerData answers, logged as a data request of the caller's.

Authenticated like the GraphQL endpoint: a staff token with MANAGE_DATA_REQUESTS (401
without a valid token, 403 without the permission, 404 for an unknown customer)."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from data_protection.parts import PARTS
from domain.access.permissions import Permission
from domain.data_requests.services import export_customer_data
from domain.errors import DomainError
from domain.uow import UnitOfWork
from schema.auth import Authenticator
from schema.responses import Refusal
from tessera.exports import admit, bad_parameter


def customer_data_export(new_uow: Callable[[], UnitOfWork], authenticator: Authenticator) -> Route:
    """The route serving a customer's data as one JSON document."""

    async def data_json(request: Request) -> Response:
        try:
            principal = await admit(authenticator, request, Permission.MANAGE_DATA_REQUESTS)
            customer_id = int(request.path_params["customer_id"])
            try:
                data = await export_customer_data(new_uow(), PARTS, customer_id, principal.actor)
            except DomainError as error:
                raise bad_parameter(error) from None
        except Refusal as refusal:
            return refusal.response()
        return Response(
            orjson.dumps(data, option=orjson.OPT_INDENT_2),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="customer-{customer_id}.json"',
                "Cache-Control": "no-store",
            },
        )

    return Route("/customers/{customer_id:int}/data.json", data_json, methods=["GET"])
