"""Recipients' checks for callers other than GraphQL (whose enum refuses an unknown kind
before the resolver): every problem at once, each on its field."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork
from notifications.notices.models import RecipientSpec
from notifications.notices.recipients import RecipientChanges, add_recipient, update_recipient
from notifications.notices.settings import set_large_adjustment_threshold


async def test_an_unknown_kind_a_bad_address_and_a_long_shop_are_refused_together(
    clean_db: AsyncEngine,
) -> None:
    spec = RecipientSpec("not an address", ("BIRTHDAY", "GIFT_RUN_FINISHED"), "x" * 101)
    with pytest.raises(DomainError) as refused:
        await add_recipient(UnitOfWork(clean_db), spec, "k")
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("email", ErrorCode.INVALID),
        ("kinds.0", ErrorCode.INVALID),
        ("shop", ErrorCode.OUT_OF_RANGE),
    ]
    with pytest.raises(DomainError) as changed:
        await update_recipient(UnitOfWork(clean_db), "1", RecipientChanges(kinds=("NOPE",)))
    assert [(p.field, p.code) for p in changed.value.problems] == [("kinds.0", ErrorCode.INVALID)]


async def test_a_threshold_of_no_points_is_refused(clean_db: AsyncEngine) -> None:
    for points in (0, -1):
        with pytest.raises(DomainError) as refused:
            await set_large_adjustment_threshold(UnitOfWork(clean_db), points, "t")
        assert [(p.field, p.code) for p in refused.value.problems] == [
            ("points", ErrorCode.OUT_OF_RANGE)
        ]
