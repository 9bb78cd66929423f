"""The platforms' webhook endpoints: `POST /integrations/woocommerce/{shop}`,
`POST /integrations/shopify/{shop}` (the raw body signed with the shop's secret: base64
HMAC-SHA256 in X-WC-Webhook-Signature / X-Shopify-Hmac-Sha256) and
`POST /integrations/dolibarr/{shop}/{token}` (Dolibarr cannot sign: the URL's token).

Anything not authenticated is 401 before its body is parsed, and leaves no trace but a
warning without the token. An authenticated delivery is logged (domain/integrations/log.py)
whatever its fate: applied, a duplicate of one applied (the platform's delivery id, or the
body's SHA-256 for Dolibarr), ignored (a topic or status that changes nothing, an unknown
customer the shop does not register), or rejected: a malformed payload or content the
purchases refuse is 400 with the reason, a refusal of the business (an order recorded for
another customer) 200, so that the platform does not retry what will never pass."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.integrations import dolibarr, shopify, woocommerce
from domain.integrations.apply import apply
from domain.integrations.changes import Change, PayloadError
from domain.integrations.connections import Connection, connection
from domain.integrations.log import Delivery, Outcome, already_applied, write
from domain.uow import UnitOfWork
from schema.body import decode_body
from schema.responses import Refusal

logger = logging.getLogger("tessera.integrations")


_DOLIBARR_PREFIX = "/integrations/dolibarr/"


def loggable_path(path: str) -> str:
    """A request's path as logs may show it: a Dolibarr URL's token masked."""
    if path.startswith(_DOLIBARR_PREFIX):
        shop, _, _token = path[len(_DOLIBARR_PREFIX) :].partition("/")
        return f"{_DOLIBARR_PREFIX}{shop}/<token>"
    return path


def _answer(status: int, **body: Any) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


_UNAUTHORIZED = {"error": "Not signed for this shop."}


async def _handle(
    new_uow: Callable[[], UnitOfWork],
    found: Connection,
    delivery: Delivery,
    body: bytes,
    read: Callable[[dict[str, Any]], Change],
) -> Response:
    if await already_applied(new_uow(), delivery):
        outcome = Outcome("DUPLICATE", "Delivered before.")
    else:
        try:
            change = read(decode_body(body))
        except Refusal as refusal:
            outcome = Outcome("REJECTED", str(refusal), http_status=400)
        except PayloadError as error:
            outcome = Outcome("REJECTED", error.reason, http_status=400)
        else:
            outcome = await apply(new_uow(), found, change)
    logged = await write(new_uow(), delivery, outcome)
    return _answer(
        logged.http_status,
        outcome=logged.outcome,
        reason=logged.reason,
        orderId=logged.order_id,
        customerId=None if logged.customer_id is None else str(logged.customer_id),
    )


def _signed_platform(
    new_uow: Callable[[], UnitOfWork],
    platform: str,
    signature_header: str,
    topic_header: str,
    delivery_headers: tuple[str, ...],
    reader: Callable[[str, dict[str, Any], dict[str, str]], Change],
) -> Callable[[Request], Any]:
    async def receive(request: Request) -> Response:
        shop = request.path_params["shop"]
        body = await request.body()
        found = await connection(new_uow(), shop, platform)
        if found is None or not found.signed(body, request.headers.get(signature_header)):
            logger.warning("refused an unsigned %s webhook for shop %r", platform, shop[:100])
            return _answer(401, **_UNAUTHORIZED)
        topic = request.headers.get(topic_header, "")
        if not topic:  # WooCommerce's ping when a webhook is saved: signed, nothing to do
            return _answer(200, outcome="IGNORED", reason="No topic: a ping.")
        delivery_id = next(
            (request.headers[h] for h in delivery_headers if request.headers.get(h)),
            hashlib.sha256(body).hexdigest(),
        )
        delivery = Delivery(platform, shop, delivery_id, topic)
        return await _handle(
            new_uow, found, delivery, body, lambda b: reader(topic, b, found.status_map)
        )

    return receive


def platform_webhooks(new_uow: Callable[[], UnitOfWork]) -> list[Route]:
    """The routes WooCommerce, Shopify and Dolibarr post to."""
    woo = _signed_platform(
        new_uow,
        "WOOCOMMERCE",
        "X-WC-Webhook-Signature",
        "X-WC-Webhook-Topic",
        ("X-WC-Webhook-Delivery-ID",),
        woocommerce.read,
    )
    shop_ify = _signed_platform(
        new_uow,
        "SHOPIFY",
        "X-Shopify-Hmac-Sha256",
        "X-Shopify-Topic",
        ("X-Shopify-Webhook-Id", "X-Shopify-Event-Id"),
        shopify.read,
    )

    async def from_dolibarr(request: Request) -> Response:
        shop = request.path_params["shop"]
        found = await connection(new_uow(), shop, "DOLIBARR")
        if found is None or not found.token_matches(request.path_params["token"]):
            logger.warning("refused a Dolibarr call with a wrong token for shop %r", shop[:100])
            return _answer(401, error="Not this shop's Dolibarr URL.")
        body = await request.body()
        topic = "dolibarr"
        try:
            code = orjson.loads(body).get("triggercode")
            topic = code if isinstance(code, str) else topic
        except (orjson.JSONDecodeError, AttributeError):
            pass
        delivery = Delivery("DOLIBARR", shop, hashlib.sha256(body).hexdigest(), topic[:100])
        return await _handle(
            new_uow, found, delivery, body, lambda b: dolibarr.read(b, found.status_map)
        )

    return [
        Route("/integrations/woocommerce/{shop}", woo, methods=["POST"]),
        Route("/integrations/shopify/{shop}", shop_ify, methods=["POST"]),
        Route("/integrations/dolibarr/{shop}/{token}", from_dolibarr, methods=["POST"]),
    ]
