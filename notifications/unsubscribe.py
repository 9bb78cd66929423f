"""Unsubscribe links: a URL per customer and channel, signed so that it cannot be made up
or turned into another customer's, served by Tessera (tessera/unsubscribe.py).

The token is `itsdangerous`'s URL-safe signed serialisation of (customer id, channel) with
TESSERA_LINK_SECRET; it does not expire, because a link in an old email must still work
(RFC 8058 one-click unsubscribe: mail clients POST to it long after). Opening the link shows
a confirmation page; only the POST (the client's one-click request, or the page's button)
withdraws the consent: mail scanners open links, they do not post forms."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from domain.customers.consent import change_consent
from domain.customers.models import ConsentChannel, ConsentSource
from domain.uow import UnitOfWork

UNSUBSCRIBE_PATH = "/unsubscribe/{token}"
_SALT = "tessera.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeRequest:
    customer_id: int
    channel: ConsentChannel


def unsubscribe_url(public_url: str, secret: str, customer_id: int, channel: ConsentChannel) -> str:
    """The customer's link to withdraw their consent to `channel`."""
    token = URLSafeSerializer(secret, salt=_SALT).dumps([customer_id, channel.value])
    return public_url.rstrip("/") + UNSUBSCRIBE_PATH.format(token=token)


def read_token(secret: str, token: str) -> UnsubscribeRequest | None:
    """What a token asks, None when it was not signed with this secret (or is malformed)."""
    try:
        value = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2):
        return None
    customer_id, channel = value
    if not isinstance(customer_id, int) or channel not in ConsentChannel.__members__:
        return None
    return UnsubscribeRequest(customer_id, ConsentChannel(channel))


async def unsubscribe(uow: UnitOfWork, request: UnsubscribeRequest) -> None:
    """Withdraw the consent the link names, recorded with source UNSUBSCRIBE_LINK; a second
    click changes nothing."""
    await change_consent(
        uow,
        request.customer_id,
        request.channel,
        False,
        ConsentSource.UNSUBSCRIBE_LINK,
        "unsubscribe-link",
    )
