"""Product rules of the redemption rules: set and removed by (kind, key), all at once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.rules import update_rules
from domain.uow import UnitOfWork


async def test_product_rules_are_removed_by_kind_and_key_however_many(
    clean_db: AsyncEngine,
) -> None:
    # Given three product rules, two of them with the same key under each kind
    uow = UnitOfWork(clean_db)
    rules = [("SKU", "GIFT", False), ("LINE", "GIFT", False), ("SKU", "BEANS", True)]
    await update_rules(uow, {}, rules, [])
    # When the SKU GIFT is removed with 9,999 rules that do not exist
    gone = [("SKU", "GIFT"), *((("LINE", f"none-{i}")) for i in range(9_999))]
    after = await update_rules(uow, {}, [], gone)
    # Then only that rule is gone: the line of the same key stays
    assert after.product_rules == {("LINE", "GIFT"): False, ("SKU", "BEANS"): True}
