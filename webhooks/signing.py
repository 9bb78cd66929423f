"""A delivery's request as the Standard Webhooks specification has it: a JSON body
`{"type", "timestamp", "data"}` and the headers `webhook-id`, `webhook-timestamp` and
`webhook-signature` (`v1,` + base64 of HMAC-SHA256 over `id.timestamp.body` with the
subscription's secret), signed by the `standardwebhooks` package."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from standardwebhooks import Webhook

from domain.webhooks.models import message_id

USER_AGENT = "Tessera-Webhooks/1"


def body_of(
    event_type: str, occurred_at: datetime, customer_id: int | None, payload: dict[str, Any]
) -> bytes:
    """The body: the event's type, when it happened (ISO 8601, UTC) and its fields (the
    customer's id, null for a program-wide event, and the payload)."""
    timestamp = occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    data = {"customer_id": customer_id, **payload}
    return orjson.dumps({"type": event_type, "timestamp": timestamp, "data": data})


def signed_headers(secret: str, event_id: int, body: bytes, now: datetime) -> dict[str, str]:
    """The headers of one attempt: the event's id (the same on every attempt), the
    attempt's time, and the signature of both with the body."""
    msg_id = message_id(event_id)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, now, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
