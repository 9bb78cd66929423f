"""Checking that a refused call wrote nothing: row counts of every table a write touches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes

# Tables a refused call must leave alone (events too: they are written in the same unit).
WATCHED = (
    "customers",
    "point_categories",
    "ledger_entries",
    "point_lots",
    "lot_allocations",
    "purchases",
    "purchase_lines",
    "refunds",
    "redemptions",
    "holds",
    "vouchers",
    "voucher_batches",
    "voucher_redemptions",
    "rewards",
    "reward_claims",
    "badges",
    "customer_badges",
    "badge_changes",
    "price_rules",
    "earning_actions",
    "promotions",
    "expiry_rules",
    "product_line_earning_overrides",
    "domain_events",
    "gift_schedules",
    "gift_runs",
    "tier_rules",
    "tier_rungs",
    "earning_rules",
    "redemption_rules",
    "voucher_conversion",
    "message_templates",
    "message_template_versions",
    "messaging_limits",
    "messages",
    "builtin_notifications",
    "notice_recipients",
    "notice_settings",
)

TOP_LEVEL = "top-level BAD_USER_INPUT"


async def counts(engine: AsyncEngine, tables: tuple[str, ...] = WATCHED) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            t: int((await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one())
            for t in tables
        }


async def assert_refused(
    gql: GraphQLClient,
    engine: AsyncEngine,
    mutation: str,
    input: dict[str, Any],
    field: str | None,
    code: str,
) -> dict[str, Any]:
    """Send the mutation; expect `code` on `field` (or a top-level BAD_USER_INPUT when
    `code` is TOP_LEVEL) and no table changed."""
    before = await counts(engine)
    body = await gql.post(mutation, {"input": input})
    for error in body.get("errors") or []:
        assert error.get("extensions", {}).get("code"), error
    if code == TOP_LEVEL:
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert not body.get("data")
    else:
        assert not body.get("errors"), body
        (payload,) = body["data"].values()
        assert (field, code) in [(e["field"], e["code"]) for e in payload["userErrors"]], payload
        assert all(e["message"] for e in payload["userErrors"])
        assert all(v in (None, 0) for k, v in payload.items() if k != "userErrors"), payload
    assert await counts(engine) == before
    return body
