"""Staff tokens replaced by name: however often and however concurrently, one stays valid."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.tokens import (
    InvalidToken,
    create_staff_token,
    list_staff_tokens,
    replace_staff_token,
    staff_for_token,
)
from domain.errors import DomainError
from domain.uow import UnitOfWork


async def test_replacing_a_token_revokes_the_previous_one_of_that_name_only(
    clean_db: AsyncEngine,
) -> None:
    # Given a till's token and a first token named "demo admin"
    till = await create_staff_token(UnitOfWork(clean_db), "cashier", "till 1")
    first = await replace_staff_token(UnitOfWork(clean_db), "admin", "demo admin")

    # When the demo admin token is replaced
    second = await replace_staff_token(UnitOfWork(clean_db), "admin", "demo admin")

    # Then the first no longer works, the new one and the till's still do
    with pytest.raises(InvalidToken):
        await staff_for_token(UnitOfWork(clean_db), first)
    assert (await staff_for_token(UnitOfWork(clean_db), second)).name == "demo admin"
    assert (await staff_for_token(UnitOfWork(clean_db), till)).name == "till 1"
    listed = await list_staff_tokens(UnitOfWork(clean_db))
    assert [(t.name, t.revoked_at is None) for t in listed] == [
        ("till 1", True),
        ("demo admin", False),
        ("demo admin", True),
    ]


async def test_thirty_concurrent_replacements_leave_one_valid_token(clean_db: AsyncEngine) -> None:
    # Given 30 programs replacing the same named token at once
    tokens = await asyncio.gather(
        *(replace_staff_token(UnitOfWork(clean_db), "admin", "demo admin") for _ in range(30))
    )

    # Then exactly one of the tokens they were given works
    working = 0
    for token in tokens:
        try:
            await staff_for_token(UnitOfWork(clean_db), token)
        except InvalidToken:
            continue
        working += 1
    assert working == 1
    active = [t for t in await list_staff_tokens(UnitOfWork(clean_db)) if t.revoked_at is None]
    assert len(active) == 1


async def test_an_unknown_role_is_refused_and_revokes_nothing(clean_db: AsyncEngine) -> None:
    kept = await replace_staff_token(UnitOfWork(clean_db), "admin", "demo admin")

    with pytest.raises(DomainError, match="Role must be one of"):
        await replace_staff_token(UnitOfWork(clean_db), "wizard", "demo admin")

    assert (await staff_for_token(UnitOfWork(clean_db), kept)).name == "demo admin"
