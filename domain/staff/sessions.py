"""Console sessions: the bearer tokens a sign-in hands out, stored as SHA-256 hashes like API
tokens, and ended by logout, by an idle timeout, at their maximum age, or when their user
is disabled or given a new password.

Both timeouts are enforced here, on every lookup, against the policy's clock. A session's
last use is recorded at most once per `touch_after_s` (a minute, or a tenth of the idle
timeout when that is shorter), not on every request: so the idle timeout counts from a
moment at most that much before the true last use."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

from domain.access.permissions import Role
from domain.access.principals import Credential, Staff
from domain.access.tokens import InvalidToken
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode
from domain.staff.tables import staff_sessions, staff_users
from domain.uow import UnitOfWork

# Distinct from API tokens' "tes_", so a token says which table to look in.
SESSION_TOKEN_PREFIX = "tss_"
DEFAULT_IDLE_TIMEOUT_S = 1_800
DEFAULT_MAX_AGE_S = 43_200
# The most a session's recorded last use may lag behind the true one.
MAX_TOUCH_INTERVAL_S = 60.0

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live, and the clock they are judged by (tests move it)."""

    idle_timeout_s: int = DEFAULT_IDLE_TIMEOUT_S
    max_age_s: int = DEFAULT_MAX_AGE_S
    clock: Clock = field(default=utc_now, compare=False)

    @property
    def touch_after_s(self) -> float:
        return min(MAX_TOUCH_INTERVAL_S, self.idle_timeout_s / 10)


def is_session_token(token: str) -> bool:
    return token.startswith(SESSION_TOKEN_PREFIX)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class OpenedSession:
    token: str  # given to the client once, never stored
    session_id: int
    expires_at: datetime


async def open_session(
    uow: UnitOfWork, user_id: int, now: datetime, policy: SessionPolicy
) -> OpenedSession:
    """Insert a new session for the user in the open unit of work (the sign-in's
    transaction); its token is returned once."""
    token = SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=policy.max_age_s)
    session_id = (
        await uow.execute(
            insert(staff_sessions)
            .values(
                user_id=user_id,
                token_hash=_hash(token),
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
            .returning(staff_sessions.c.id)
        )
    ).scalar_one()
    return OpenedSession(token, session_id, expires_at)


@dataclass(frozen=True)
class SessionCaller:
    """A session that verified: its caller, and the moment it ends unless used again
    (its idle deadline, or its maximum age when that comes first)."""

    staff: Staff
    valid_until: datetime


async def staff_for_session(uow: UnitOfWork, token: str, policy: SessionPolicy) -> SessionCaller:
    """The staff caller of a session token; InvalidToken (saying why) when no such session
    exists, it was ended, its user is disabled, or it passed its idle timeout or maximum
    age. Records the use when the recorded one is older than `touch_after_s`."""
    now = policy.clock()
    s, u = staff_sessions.c, staff_users.c
    async with uow:
        row = (
            await uow.execute(
                select(
                    s.id,
                    s.user_id,
                    s.expires_at,
                    s.last_seen_at,
                    s.revoked_at,
                    u.email,
                    u.role,
                    u.disabled_at,
                )
                .join_from(staff_sessions, staff_users, u.id == s.user_id)
                .where(s.token_hash == _hash(token))
            )
        ).one_or_none()
    if row is None:
        raise InvalidToken("unknown session")
    idle = timedelta(seconds=policy.idle_timeout_s)
    if row.revoked_at is not None or row.disabled_at is not None:
        raise InvalidToken("the session has ended; sign in again")
    if now >= row.expires_at:
        raise InvalidToken(f"the session reached its maximum age ({policy.max_age_s} s)")
    if now >= row.last_seen_at + idle:
        raise InvalidToken(f"the session was idle for more than {policy.idle_timeout_s} s")
    last_seen = row.last_seen_at
    if (now - last_seen).total_seconds() >= policy.touch_after_s:
        await run(uow, TouchSession(row.id, now))
        last_seen = now
    staff = Staff(credential_id=row.id, name=row.email, role=Role(row.role), user_id=row.user_id)
    return SessionCaller(staff, min(row.expires_at, last_seen + idle))


@dataclass(frozen=True)
class TouchSession(Command[None]):
    session_id: int
    now: datetime

    async def handle(self, uow: UnitOfWork) -> None:
        await uow.execute(
            update(staff_sessions)
            .where(
                staff_sessions.c.id == self.session_id,
                staff_sessions.c.last_seen_at < self.now,
                staff_sessions.c.revoked_at.is_(None),
            )
            .values(last_seen_at=self.now)
        )


async def end_session(uow: UnitOfWork, session_id: int, now: datetime) -> bool:
    """End one session (a logout); False when it had ended already."""
    return await run(uow, EndSession(session_id, now))


@dataclass(frozen=True)
class EndSession(Command[bool]):
    session_id: int
    now: datetime

    async def handle(self, uow: UnitOfWork) -> bool:
        ended = await uow.execute(
            update(staff_sessions)
            .where(staff_sessions.c.id == self.session_id, staff_sessions.c.revoked_at.is_(None))
            .values(revoked_at=self.now)
            .returning(staff_sessions.c.id)
        )
        return ended.scalar_one_or_none() is not None


async def end_sessions_of(uow: UnitOfWork, user_id: int) -> int:
    """End every open session of the user in the open unit of work; how many there were."""
    ended = await uow.execute(
        update(staff_sessions)
        .where(staff_sessions.c.user_id == user_id, staff_sessions.c.revoked_at.is_(None))
        .values(revoked_at=utc_now())
        .returning(staff_sessions.c.id)
    )
    return len(ended.all())


async def sign_out(uow: UnitOfWork, caller: Staff, now: datetime) -> bool:
    """End the session the caller signed in with (False when it had ended already). An API
    token is not a session: INVALID, and nothing is ended (a token is revoked with
    `tessera token revoke`)."""
    if caller.credential is not Credential.SESSION:
        raise DomainError.one(
            None,
            ErrorCode.INVALID,
            "This caller uses an API token, not a session: nothing was signed out "
            "(an API token is revoked with `tessera token revoke`).",
        )
    return await end_session(uow, caller.credential_id, now)
