"""The unsubscribe link's page (`GET /unsubscribe/{token}`) and its one-click action
(`POST /unsubscribe/{token}`, RFC 8058): see notifications/unsubscribe.py."""

from __future__ import annotations

import html
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.uow import UnitOfWork
from notifications.unsubscribe import UNSUBSCRIBE_PATH, read_token, unsubscribe
from tessera.settings import Settings

_CHANNEL_NAMES = {"EMAIL": "email", "SMS": "text messages"}


def unsubscribe_routes(new_uow: Callable[[], UnitOfWork], settings: Settings) -> Route:
    """The route of unsubscribe links (404 for every link when TESSERA_LINK_SECRET is unset:
    no link can have been signed)."""

    async def page(request: Request) -> Response:
        secret = settings.link_secret
        wanted = None if secret is None else read_token(secret, request.path_params["token"])
        if wanted is None:
            return _page("This link is not valid.", status=404)
        what = _CHANNEL_NAMES[wanted.channel.value]
        if request.method == "GET":
            # A confirmation, not the action: link scanners open links without asking.
            return _page(
                f"Stop receiving {what} from the loyalty program?",
                form='<form method="post"><input type="hidden" name="List-Unsubscribe" '
                'value="One-Click"><button type="submit">Unsubscribe</button></form>',
            )
        try:
            await unsubscribe(new_uow(), wanted)
        except DomainError:  # the customer is gone: nothing to withdraw
            return _page("This link is not valid.", status=404)
        return _page(f"You will no longer receive {what} from the loyalty program.")

    return Route(UNSUBSCRIBE_PATH, page, methods=["GET", "POST"])


def _page(message: str, form: str = "", status: int = 200) -> HTMLResponse:
    body = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Unsubscribe</title></head><body><main><p>{html.escape(message)}</p>{form}"
        "</main></body></html>"
    )
    return HTMLResponse(body, status_code=status)
