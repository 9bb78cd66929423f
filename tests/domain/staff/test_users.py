"""Staff users: who may be created, with which passwords; and what disabling a user, setting
its password and signing in do to its sessions, its failures and its stored hash."""

from __future__ import annotations

import threading
from typing import Literal

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.access.tokens import InvalidToken
from domain.errors import DomainError
from domain.staff.passwords import Passwords
from domain.staff.sessions import SessionPolicy, staff_for_session
from domain.staff.sign_in import InvalidCredentials, StaffSignIn, TooManyAttempts, sign_in
from domain.staff.users import (
    create_user,
    disable_user,
    ensure_user,
    list_users,
    set_password,
)
from domain.uow import UnitOfWork
from tests.support.clocks import ManualClock

# Cheap parameters, so these tests hash in milliseconds (the API uses argon2's defaults).
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
PASSWORD = "twelve chars ok"


def problems(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str | None, str]]:
    return [(p.field, p.code.value) for p in error.value.problems]


async def test_an_email_is_one_user_whatever_its_case(clean_db: AsyncEngine) -> None:
    made = await create_user(UnitOfWork(clean_db), " Ann@Shop.Example ", "cashier", PASSWORD, FAST)
    assert made.email == "ann@shop.example"
    with pytest.raises(DomainError) as refused:
        await create_user(UnitOfWork(clean_db), "ANN@shop.example", "admin", PASSWORD, FAST)
    assert problems(refused) == [("email", "DUPLICATE")]
    assert [(u.email, u.role.value) for u in await list_users(UnitOfWork(clean_db))] == [
        ("ann@shop.example", "cashier")
    ]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("", ("password", "REQUIRED")),
        ("eleven char", ("password", "OUT_OF_RANGE")),
        ("x" * 1025, ("password", "OUT_OF_RANGE")),
        ("twelve chars\x00ok", ("password", "INVALID")),
        ("twelve chars\ud800ok", ("password", "INVALID")),
    ],
    ids=["empty", "11-chars", "1025-chars", "nul", "lone-surrogate"],
)
async def test_a_password_must_be_12_to_1024_storable_characters(
    clean_db: AsyncEngine, password: str, expected: tuple[str, str]
) -> None:
    with pytest.raises(DomainError) as refused:
        await create_user(UnitOfWork(clean_db), "ann@shop.example", "cashier", password, FAST)
    assert problems(refused) == [expected]
    assert await list_users(UnitOfWork(clean_db)) == []


async def test_every_problem_is_said_at_once(clean_db: AsyncEngine) -> None:
    with pytest.raises(DomainError) as refused:
        await create_user(UnitOfWork(clean_db), "not-an-address", "wizard", "short", FAST)
    assert problems(refused) == [
        ("email", "INVALID"),
        ("role", "INVALID"),
        ("password", "OUT_OF_RANGE"),
    ]
    assert "admin, manager, cashier, marketer, viewer" in str(refused.value)


async def test_1024_characters_of_any_script_are_a_password(clean_db: AsyncEngine) -> None:
    long = ("pässwörd-🔑-" * 100)[:1024]
    assert len(long) == 1024
    await create_user(UnitOfWork(clean_db), "ann@shop.example", "viewer", long, FAST)
    rules = StaffSignIn(passwords=FAST)
    signed = await sign_in(UnitOfWork(clean_db), "ann@shop.example", long, rules)
    assert signed.role.value == "viewer"


async def test_ensuring_a_user_twice_makes_one_and_keeps_its_password(
    clean_db: AsyncEngine,
) -> None:
    assert await ensure_user(UnitOfWork(clean_db), "a@shop.example", Role.ADMIN, PASSWORD, FAST)
    assert not await ensure_user(
        UnitOfWork(clean_db), "A@shop.example", Role.VIEWER, "another password", FAST
    )
    users = await list_users(UnitOfWork(clean_db))
    assert [(u.email, u.role) for u in users] == [("a@shop.example", Role.ADMIN)]
    await sign_in(UnitOfWork(clean_db), "a@shop.example", PASSWORD, StaffSignIn(passwords=FAST))


async def test_a_new_password_ends_sessions_and_forgets_a_lockout(clean_db: AsyncEngine) -> None:
    rules = StaffSignIn(passwords=FAST)
    await create_user(UnitOfWork(clean_db), "ann@shop.example", "cashier", PASSWORD, FAST)
    signed = await sign_in(UnitOfWork(clean_db), "ann@shop.example", PASSWORD, rules)
    # Given the user then locked out by five wrong passwords
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await sign_in(UnitOfWork(clean_db), "ann@shop.example", "wrong password!", rules)
    with pytest.raises(TooManyAttempts):
        await sign_in(UnitOfWork(clean_db), "ann@shop.example", PASSWORD, rules)

    # When an admin sets a new password
    change = await set_password(UnitOfWork(clean_db), "ann@shop.example", "a new password", FAST)

    # Then the open session ended, the old password fails, the new one signs in at once
    assert change.sessions_ended == 1
    with pytest.raises(InvalidToken):
        await staff_for_session(UnitOfWork(clean_db), signed.token, SessionPolicy())
    with pytest.raises(InvalidCredentials):
        await sign_in(UnitOfWork(clean_db), "ann@shop.example", PASSWORD, rules)
    await sign_in(UnitOfWork(clean_db), "ann@shop.example", "a new password", rules)


async def test_disabling_and_setting_a_password_of_nobody_is_not_found(
    clean_db: AsyncEngine,
) -> None:
    with pytest.raises(DomainError) as refused:
        await disable_user(UnitOfWork(clean_db), "nobody@shop.example")
    assert problems(refused) == [("email", "NOT_FOUND")]
    with pytest.raises(DomainError) as refused:
        await set_password(UnitOfWork(clean_db), "nobody@shop.example", PASSWORD, FAST)
    assert problems(refused) == [("email", "NOT_FOUND")]


async def test_a_hash_with_weaker_parameters_is_replaced_at_sign_in(clean_db: AsyncEngine) -> None:
    # Given a user whose password was hashed with weaker parameters than today's
    await create_user(UnitOfWork(clean_db), "ann@shop.example", "cashier", PASSWORD, FAST)

    # When she signs in with a hasher of today's (default) parameters
    strong = Passwords()
    await sign_in(UnitOfWork(clean_db), "ann@shop.example", PASSWORD, StaffSignIn(passwords=strong))

    # Then her stored hash now has today's parameters, and still signs her in
    async with clean_db.connect() as conn:
        stored = (await conn.execute(text("SELECT password_hash FROM staff_users"))).scalar_one()
    assert stored.startswith("$argon2id$")
    assert extract_parameters(stored).memory_cost == PasswordHasher().memory_cost
    await sign_in(UnitOfWork(clean_db), "ann@shop.example", PASSWORD, StaffSignIn(passwords=strong))


class RecordingHasher(PasswordHasher):
    """argon2's hasher, noting the threads its verifications ran on."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.threads: list[int] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.threads.append(threading.get_ident())
        return super().verify(hash, password)


async def test_passwords_are_verified_off_the_event_loop(clean_db: AsyncEngine) -> None:
    hasher = RecordingHasher()
    passwords = Passwords(hasher)
    await create_user(UnitOfWork(clean_db), "ann@shop.example", "cashier", PASSWORD, passwords)
    rules = StaffSignIn(passwords=passwords)
    await sign_in(UnitOfWork(clean_db), "ann@shop.example", PASSWORD, rules)
    with pytest.raises(InvalidCredentials):
        await sign_in(UnitOfWork(clean_db), "nobody@shop.example", PASSWORD, rules)
    assert len(hasher.threads) == 2
    assert threading.get_ident() not in hasher.threads


async def test_failures_a_day_old_are_forgotten(clean_db: AsyncEngine) -> None:
    clock = ManualClock()
    rules = StaffSignIn(sessions=SessionPolicy(clock=clock), passwords=FAST)
    await create_user(UnitOfWork(clean_db), "ann@shop.example", "cashier", PASSWORD, FAST)
    # Given four failures, then a day and a second without any
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            await sign_in(UnitOfWork(clean_db), "ann@shop.example", "wrong password!", rules)
    clock.advance(86_401)
    # Then four more failures are not yet a lock (it counts from zero again), a fifth is
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            await sign_in(UnitOfWork(clean_db), "ann@shop.example", "wrong password!", rules)
    await sign_in(UnitOfWork(clean_db), "ann@shop.example", PASSWORD, rules)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await sign_in(UnitOfWork(clean_db), "ann@shop.example", "wrong password!", rules)
    with pytest.raises(TooManyAttempts):
        await sign_in(UnitOfWork(clean_db), "ann@shop.example", PASSWORD, rules)
