"""Whether a request really comes from Twilio: its X-Twilio-Signature, checked with the
official client's RequestValidator against the URL Twilio called.

That URL is Tessera's public one (TESSERA_PUBLIC_URL) plus the request's path and query, not
the URL the request arrived at: behind a proxy or a load balancer the two differ, and Twilio
signs the one it was given. A signature made for another URL (a captured request replayed
at another endpoint), a changed parameter, a missing header: all refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


def signed_by_twilio(
    auth_token: str,
    public_url: str,
    path_and_query: str,
    form: Mapping[str, Any],
    signature: str | None,
) -> bool:
    """True when `signature` is Twilio's signature of this form posted to
    `public_url` + `path_and_query` with this account's auth token. `form` may be a
    multi-valued mapping (Starlette's FormData): every value of a repeated field counts."""
    if not signature:
        return False
    url = public_url.rstrip("/") + path_and_query
    return bool(RequestValidator(auth_token).validate(url, form, signature))
