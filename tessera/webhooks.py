"""Webhooks the outside world calls: Twilio's inbound SMS (`POST /webhooks/twilio/sms`).

Only a request Twilio signed for this account and this URL gets through: the signature
(X-Twilio-Signature) is checked against TESSERA_PUBLIC_URL plus the path (the request's own
base URL when it is not set) before anything is read into the database; anything else is
403. Twilio gets an empty TwiML answer (no reply message: with a messaging service, Twilio
answers STOP and START itself)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.uow import UnitOfWork
from notifications.channels.twilio_webhooks import SIGNATURE_HEADER, signed_by_twilio
from notifications.inbound_sms import receive_sms
from schema.responses import error_response
from tessera.settings import Settings

TWILIO_SMS_PATH = "/webhooks/twilio/sms"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

logger = logging.getLogger("tessera.webhooks")


def twilio_inbound_sms(new_uow: Callable[[], UnitOfWork], settings: Settings) -> Route:
    """The route receiving the SMS customers send to the program's number."""

    async def inbound_sms(request: Request) -> Response:
        token = settings.twilio_auth_token
        if token is None:
            return error_response(403, "Twilio is not configured here.", "FORBIDDEN")
        try:
            form = await request.form()
        except Exception:  # a body that is no form: nobody's signed request
            return error_response(400, "The body must be a form, as Twilio posts it.")
        public = settings.public_url or str(request.base_url)
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signed_by_twilio(token, public, path, form, signature):
            logger.warning("refused an inbound SMS webhook without a valid Twilio signature")
            return error_response(403, "Not signed by Twilio for this URL.", "FORBIDDEN")
        try:
            await receive_sms(new_uow(), str(form.get("From", "")), str(form.get("Body", "")))
        except DomainError as error:
            logger.warning("inbound SMS not applied: %s", error)
            return error_response(400, str(error))
        return Response(EMPTY_TWIML, media_type="text/xml")

    return Route(TWILIO_SMS_PATH, inbound_sms, methods=["POST"])
