"""The demo program's funnel: a draft "Win back" campaign for the console's funnel builder to
open (segment entry, points, a marketing email, an exit), with the marketing template it
sends. A draft enrols nobody until a marketer activates it. Saved under idempotency keys, so
every demo run may call this: a replay writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.uow import UnitOfWork
from funnels.definitions.services import save_funnel
from notifications.store.models import Purpose, TemplateSpec, Translation
from notifications.store.services import create_template
from notifications.templates import Channel
from tessera.funnel_filters import CHECK_FILTER

WIN_BACK_TEMPLATE = "Demo: we miss you (email)"
WIN_BACK: dict[str, Any] = {
    "name": "Win back",
    "description": "Customers with 100 points or more who have not bought in 90 days get 50 "
    "points and an email; those who buy within two weeks count as won back.",
    "entry": {
        "trigger": {"campaign": {}},
        "filter": {
            "all": [
                {"balance": {"gte": 100}},
                {"purchases": {"count": {"eq": 0}, "within": "P90D"}},
            ]
        },
        "reentry": "ONCE",
    },
    "start": "bonus",
    "steps": [
        {"id": "bonus", "type": "addPoints", "points": 50, "next": "miss_you"},
        {"id": "miss_you", "type": "sendEmail", "template": WIN_BACK_TEMPLATE, "next": "wait"},
        {"id": "wait", "type": "wait", "duration": "P14D", "next": "bought"},
        {
            "id": "bought",
            "type": "branch",
            "filter": {"purchases": {"count": {"gte": 1}, "within": "P14D"}},
            "yes": "won_back",
            "no": "done",
        },
        {"id": "won_back", "type": "goal", "name": "won back", "withinDays": 30},
        {"id": "done", "type": "exit", "reason": "did not come back"},
    ],
}


async def seed_funnels(new: Callable[[], UnitOfWork], actor: str) -> None:
    """Save the win-back email template and the draft funnel (once each)."""
    body = (
        "Hi [first_name],\n\nwe miss you at [shop_name]: here are 50 points, you now have [points]."
    )
    template = TemplateSpec(
        name=WIN_BACK_TEMPLATE,
        channel=Channel.EMAIL,
        purpose=Purpose.MARKETING,
        fallback_locale="en-US",
        translations=(
            Translation(
                "en-US",
                subject="We miss you at [shop_name]",
                text_body=body,
                html_body="".join(f"<p>{p}</p>" for p in body.split("\n\n")),
            ),
        ),
    )
    await create_template(new(), template, "demo-win-back-email", actor)
    await save_funnel(
        new(), WIN_BACK, CHECK_FILTER, idempotency_key="demo-funnel-win-back", actor=actor
    )
