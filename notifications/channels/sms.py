"""SMS and MMS through Twilio's official client (its asynchronous HTTP client, which keeps its
connections open between messages).

The Messages API's base URL is Twilio's own unless `TESSERA_TWILIO_API_URL` says otherwise:
the tests point it at a fake of the API on loopback, nothing else differs. A message goes
from the messaging service when one is configured (Twilio then picks the sender and
handles STOP itself), else from the configured number; Twilio calls `status_callback_url`
back as the message is sent, delivered or fails, with the delivery log's id of the message
in its query (`?message=<id>`): Twilio signs the whole URL, so the id is as trustworthy as
the report, and it names the message even when the log never learnt Twilio's SID (a sender
that stopped after the hand-over left it UNCERTAIN)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from notifications.channels.outcomes import Accepted, Outcome, Permanent, Transient

TWILIO_API_URL = "https://api.twilio.com"
DEFAULT_TIMEOUT_S = 10.0

# The status callback's query parameter naming the delivery log's message.
MESSAGE_PARAM = "message"

# Twilio error codes (https://www.twilio.com/docs/api/errors) that need more than "failed".
UNSUBSCRIBED_RECIPIENT = 21610  # the number replied STOP: withdraws SMS consent
INVALID_TO_NUMBER = 21211

# Twilio's HTTP client logs each request and response at INFO, a dozen lines with their
# headers: a worker sending hundreds a second spent a fifth of its CPU writing them. Its log
# goes to this logger, which keeps warnings and errors only.
_http_log = logging.getLogger("tessera.notifications.twilio_http")
_http_log.setLevel(logging.WARNING)


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_url: str = TWILIO_API_URL
    status_callback_url: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise ValueError(
                "Twilio needs either TESSERA_TWILIO_FROM or TESSERA_TWILIO_MESSAGING_SERVICE_SID"
            )


@dataclass(frozen=True)
class TextMessage:
    """One SMS (no media) or MMS (media URLs: public https addresses Twilio fetches)."""

    to: str  # E.164
    body: str
    media_urls: Sequence[str] = ()
    message_id: int | None = None  # the delivery log's, named in the status callback's URL


def status_callback_for(url: str, message_id: int | None) -> str:
    """The status callback's URL for one message: `url` with `message=<id>` in its query."""
    if message_id is None:
        return url
    parts = urlsplit(url)
    kept = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in kept if k != MESSAGE_PARAM]
    query.append((MESSAGE_PARAM, str(message_id)))
    return urlunsplit(parts._replace(query=urlencode(query)))


class TwilioSender:
    """Sends through one Twilio client; call `close()` when done (it owns an HTTP session)."""

    def __init__(self, config: TwilioConfig) -> None:
        self._config = config
        self._http = AsyncTwilioHttpClient(timeout=config.timeout_s, logger=_http_log)
        self._client = Client(config.account_sid, config.auth_token, http_client=self._http)
        # The Messages API's domain: Twilio's, or the one the operator (or a test) names.
        self._client.api.base_url = config.api_url.rstrip("/")

    async def send(self, message: TextMessage) -> Outcome:
        """Send one message; what Twilio made of it (never raises for Twilio's or the
        network's faults)."""
        config = self._config
        optional: dict[str, object] = {}
        if config.messaging_service_sid is not None:
            optional["messaging_service_sid"] = config.messaging_service_sid
        else:
            optional["from_"] = config.from_number
        if config.status_callback_url is not None:
            optional["status_callback"] = status_callback_for(
                config.status_callback_url, message.message_id
            )
        if message.media_urls:
            optional["media_url"] = list(message.media_urls)
        try:
            created = await self._client.messages.create_async(
                to=message.to, body=message.body, **optional
            )
        except TwilioRestException as error:
            return _refusal(error)
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            return Transient(f"{type(error).__name__}: {error}")
        return Accepted(str(created.sid))

    async def close(self) -> None:
        await self._http.close()


def _refusal(error: TwilioRestException) -> Outcome:
    """HTTP 429 and 5xx: try again later. Any other refusal is final; 21610 (the recipient
    unsubscribed by replying STOP) also withdraws SMS consent."""
    reason = f"Twilio {error.status} {error.code}: {error.msg}"
    if error.status == 429 or error.status >= 500:
        return Transient(reason)
    code = error.code if error.code is not None else error.status
    return Permanent(str(code), reason, consent_withdrawn=error.code == UNSUBSCRIBED_RECIPIENT)
