"""A price rule created before rules could name a saved segment (migration 0031) replays
after it: the fingerprint of a rule without a segment is the one it had then."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.pricing.models import PriceEffect, PriceRuleSpec
from domain.pricing.services import create_price_rule
from domain.uow import UnitOfWork

# request_digest of this rule's settings as the code before 0031 computed it.
DIGEST_BEFORE_0031 = "8d2b5484265d6f49d4c249031573c61f400f3f820786bbbb81db36b5834d47bb"


async def test_a_create_from_before_segments_replays(clean_db: AsyncEngine) -> None:
    # Given a rule created before 0031 under the key "everyone-10"
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO price_rules (name, effect, percent_bp, scope, condition,"
                " idempotency_key, request_digest) VALUES ('Everyone: 10% off', 'PERCENT',"
                " 1000, 'ALL', 'NONE', 'everyone-10', :digest)"
            ),
            {"digest": DIGEST_BEFORE_0031},
        )
    # When the same create is retried now, then it is a replay, not a conflict
    spec = PriceRuleSpec(name="Everyone: 10% off", effect=PriceEffect.PERCENT, percent_bp=1000)
    again = await create_price_rule(UnitOfWork(clean_db), spec, "everyone-10")
    assert again.replayed is True and again.rule.spec.segment is None
