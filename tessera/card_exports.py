"""Cards printed and exported: GET /cards/{code}.png and /cards/{code}.svg (the card's
barcode, Code 128 or EAN-13, drawn by python-barcode; PNG through Pillow) and
GET /cards/series/{id}.csv (a series' cards for a card printer, streamed).

Authenticated like the GraphQL endpoint, before anything in the path or the query is
checked (a caller without valid credentials gets 401 whatever it asked for). A barcode needs
VIEW_POINTS (the till's staff), or a customer token for one of its own cards (another
customer's card answers 404, as an unknown code does: a customer learns nothing of others'
codes). The CSV needs MANAGE_CARD_SERIES. Every parameter is checked before the first byte
is sent; a refusal is answered like the API's errors (JSON with `errors[].extensions.code`
and `reason`)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

import barcode
from barcode.writer import ImageWriter, SVGWriter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.access.permissions import Permission
from domain.access.principals import Anonymous, CustomerPrincipal, Principal
from domain.cards import repository as cards_repo
from domain.cards.codes import clean_code, is_ean13
from domain.cards.exports import EXPORT_COLUMNS, export_series_cards, require_series
from domain.cards.models import Card, CardStatus
from domain.customers import repository as customers_repo
from domain.errors import DomainError, Problems
from domain.uow import UnitOfWork
from schema.auth import Authenticator, unauthenticated
from schema.body import unsafe_text_reason
from schema.responses import Refusal
from tessera.exports import admit, bad_parameter, csv_response

SYMBOLOGIES = ("ean13", "code128")
_MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def card_barcode(new_uow: Callable[[], UnitOfWork], authenticator: Authenticator) -> Route:
    """The route drawing a card's barcode: ?symbology=ean13|code128 (default EAN-13 when
    the code is a valid EAN-13, else Code 128)."""

    async def image(request: Request) -> Response:
        try:
            # The caller first, as every export: without valid credentials nothing about
            # the path or the query is answered, and a bad token is always counted.
            principal = await _admit(authenticator, request)
            code, fmt = _code_and_format(request.path_params["file"])
            symbology = _symbology(code, request.query_params.get("symbology"))
            await _card_to_draw(new_uow, principal, code)
            body = await asyncio.to_thread(draw, code, symbology, fmt)
        except Refusal as refusal:
            return refusal.response()
        return Response(
            body,
            media_type=_MEDIA_TYPES[fmt],
            headers={"Cache-Control": "private, max-age=300"},
        )

    return Route("/cards/{file}", image, methods=["GET"])


def series_cards_export(new_uow: Callable[[], UnitOfWork], authenticator: Authenticator) -> Route:
    """The route serving a series' cards as CSV."""

    async def series_csv(request: Request) -> Response:
        try:
            await admit(authenticator, request, Permission.MANAGE_CARD_SERIES)
            try:
                found = await require_series(new_uow(), str(request.path_params["series_id"]))
            except DomainError as error:
                raise bad_parameter(error) from None
        except Refusal as refusal:
            return refusal.response()
        rows = export_series_cards(new_uow(), found.id)
        return csv_response(EXPORT_COLUMNS, rows, f"card-series-{found.id}.csv")

    return Route("/cards/series/{series_id}.csv", series_csv, methods=["GET"])


def _code_and_format(file: str) -> tuple[str, str]:
    """The card code and the image format of `<code>.png` / `<code>.svg`."""
    stem, dot, fmt = file.rpartition(".")
    if not dot or fmt not in _MEDIA_TYPES:
        raise Refusal(404, "No such image: ask for /cards/<code>.png or /cards/<code>.svg.")
    reason = unsafe_text_reason(stem)
    if reason is not None:
        raise Refusal(400, f"code: the text {reason}.", field="code", reason="INVALID")
    problems = Problems()
    code = clean_code(problems, "code", stem)
    if problems.items:
        raise bad_parameter(DomainError(problems.items))
    return code, fmt


def _symbology(code: str, asked: str | None) -> str:
    """The symbology asked for, or by default EAN-13 when the code is one, else Code 128;
    checked against the code either way (a code Code 128 cannot draw is a 400 naming
    symbology, not a failure of the drawing)."""
    if asked is None:
        asked = "ean13" if is_ean13(code) else "code128"
    elif asked not in SYMBOLOGIES:
        raise Refusal(400, "symbology: one of ean13, code128.", field="symbology", reason="INVALID")
    if asked == "ean13" and not is_ean13(code):
        raise Refusal(
            400,
            "symbology: this code is not an EAN-13 (13 digits with a valid check digit); "
            "ask for code128.",
            field="symbology",
            reason="INVALID",
        )
    if asked == "code128" and not all(32 <= ord(ch) < 127 for ch in code):
        raise Refusal(
            400,
            "symbology: Code 128 draws printable ASCII only; this code has other characters.",
            field="symbology",
            reason="INVALID",
        )
    return asked


async def _admit(authenticator: Authenticator, request: Request) -> Principal:
    """The caller: 401 without a verified one (429 past the failed-authentication limit),
    403 for staff without VIEW_POINTS; a customer token passes (its own cards only, which
    `_card_to_draw` decides)."""
    principal = await authenticator.caller(request)
    if isinstance(principal, CustomerPrincipal):
        return principal
    if isinstance(principal, Anonymous):
        raise unauthenticated(principal)
    if not principal.can(Permission.VIEW_POINTS):
        raise Refusal(403, f"Not allowed (needs {Permission.VIEW_POINTS.value}).")
    return principal


async def _card_to_draw(new_uow: Callable[[], UnitOfWork], principal: Principal, code: str) -> Card:
    """The card to draw for an admitted caller: 404 for a code no live card has (or another
    customer's, for a customer token), 400 for a replaced card (its code is dead)."""
    uow = new_uow()
    async with uow:
        card = await cards_repo.card_read(uow, code)
        holder = (
            await customers_repo.get_customer(uow, card.customer_id)
            if card is not None and isinstance(principal, CustomerPrincipal)
            else None
        )
    if card is None or (
        isinstance(principal, CustomerPrincipal)
        and (holder is None or holder.external_ref != principal.external_ref)
    ):
        raise Refusal(404, "No card has this code.")
    if card.status is CardStatus.REPLACED:
        raise Refusal(
            400,
            f"code: card {code} was replaced by a new card; print the new one.",
            field="code",
            reason="CARD_REPLACED",
        )
    return card


def draw(code: str, symbology: str, fmt: str) -> bytes:
    """The barcode of `code` (already checked for the symbology) as PNG or SVG bytes, its
    digits or text printed under the bars."""
    writer = SVGWriter() if fmt == "svg" else ImageWriter(format="PNG")
    drawn = barcode.get(symbology, code, writer=writer)
    out = io.BytesIO()
    drawn.write(out, options={"write_text": True})
    return out.getvalue()
