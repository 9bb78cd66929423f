"""Webhooks the outside world calls: Twilio's inbound SMS (`POST /webhooks/twilio/sms`) and
its status callbacks (`POST /webhooks/twilio/status`).

Only a request Twilio signed for this account and this URL gets through: the signature
(X-Twilio-Signature) is checked against TESSERA_PUBLIC_URL plus the path (the request's own
base URL when it is not set) before anything is read into the database; anything else is
403. Twilio gets an empty TwiML answer (no reply message: with a messaging service, Twilio
answers STOP and START itself)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.uow import UnitOfWork
from notifications.channels.twilio_webhooks import SIGNATURE_HEADER, signed_by_twilio
from notifications.delivery.status_reports import message_id_of, report_status
from notifications.inbound_sms import receive_sms
from schema.responses import error_response
from tessera.settings import Settings

TWILIO_SMS_PATH = "/webhooks/twilio/sms"
TWILIO_STATUS_PATH = "/webhooks/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

logger = logging.getLogger("tessera.webhooks")


async def _signed_form(request: Request, settings: Settings) -> FormData | Response:
    """The form Twilio posted, or the refusal: 403 without an auth token or a valid
    signature for this URL, 400 for a body that is no form."""
    token = settings.twilio_auth_token
    if token is None:
        return error_response(403, "Twilio is not configured here.", "FORBIDDEN")
    try:
        form = await request.form()
    except Exception:  # a body that is no form: nobody's signed request
        return error_response(400, "The body must be a form, as Twilio posts it.")
    public = settings.public_url or str(request.base_url)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not signed_by_twilio(token, public, path, form, request.headers.get(SIGNATURE_HEADER)):
        logger.warning("refused a Twilio webhook without a valid signature: %s", path)
        return error_response(403, "Not signed by Twilio for this URL.", "FORBIDDEN")
    return form


def twilio_inbound_sms(new_uow: Callable[[], UnitOfWork], settings: Settings) -> Route:
    """The route receiving the SMS customers send to the program's number."""

    async def inbound_sms(request: Request) -> Response:
        form = await _signed_form(request, settings)
        if isinstance(form, Response):
            return form
        try:
            await receive_sms(new_uow(), str(form.get("From", "")), str(form.get("Body", "")))
        except DomainError as error:
            logger.warning("inbound SMS not applied: %s", error)
            return error_response(400, str(error))
        return Response(EMPTY_TWIML, media_type="text/xml")

    return Route(TWILIO_SMS_PATH, inbound_sms, methods=["POST"])


def twilio_status_callback(new_uow: Callable[[], UnitOfWork], settings: Settings) -> Route:
    """The route Twilio reports each message's delivery to (MessageSid, MessageStatus,
    ErrorCode): the delivery log follows (notifications/delivery/status_reports.py)."""

    async def status(request: Request) -> Response:
        form = await _signed_form(request, settings)
        if isinstance(form, Response):
            return form
        error_code = form.get("ErrorCode")
        await report_status(
            new_uow(),
            str(form.get("MessageSid", "")),
            str(form.get("MessageStatus", "")),
            None if error_code is None else str(error_code),
            # The callback URL names the message (signed with it): one the log holds no
            # SID for yet (UNCERTAIN) is matched by it.
            message_id_of(request.query_params.get("message")),
        )
        return Response(status_code=204)

    return Route(TWILIO_STATUS_PATH, status, methods=["POST"])
