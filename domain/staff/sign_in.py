"""Signing staff in with an email and a password, and the lockout that slows guessing.

The lockout counts failures per email address tried, whether or not a user has it, so
neither its answers nor its timing tell which addresses are accounts; an unknown address
is verified against a dummy hash for the same reason, and a disabled user's password is
verified too. After `after_failures` consecutive failures the address is locked for
`first_lock_s`, doubled by each further failure up to `max_lock_s`; attempts while it is
locked are refused unverified and do not count. A success forgets the failures, and so
does a quiet spell: the first failure after `forget_after_s` without any counts as one.

Each attempt is counted before its password is verified, by one atomic statement (an upsert
on the address's row), and forgotten if the password matches: so a burst of concurrent
attempts gets exactly `after_failures` verifications before the lock, however they
interleave."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text, update

from domain.access.permissions import Role
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.staff.passwords import Passwords, Verified, check_offered_password
from domain.staff.sessions import SessionPolicy, open_session
from domain.staff.tables import staff_login_failures, staff_users
from domain.staff.users import staff_email
from domain.uow import UnitOfWork

# Forgotten addresses deleted by each attempt (each attempt adds at most one row).
PRUNED_PER_ATTEMPT = 10


@dataclass(frozen=True)
class Lockout:
    after_failures: int = 5
    first_lock_s: int = 30
    max_lock_s: int = 900
    # An address that failed nothing for this long starts counting from zero again.
    forget_after_s: int = 86_400


@dataclass(frozen=True)
class StaffSignIn:
    """What signing staff in needs: how sessions live, the lockout, the password hasher."""

    sessions: SessionPolicy = field(default_factory=SessionPolicy)
    lockout: Lockout = field(default_factory=Lockout)
    passwords: Passwords = field(default_factory=Passwords)


class InvalidCredentials(DomainError):
    """Unknown address, wrong password or disabled user: one answer for the three."""

    def __init__(self) -> None:
        super().__init__(
            [Problem(None, ErrorCode.INVALID_CREDENTIALS, "The email or the password is wrong.")]
        )


class TooManyAttempts(DomainError):
    """The address is locked after repeated failures; `retry_after_s` says for how long."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        message = (
            f"Too many failed sign-ins with this email address: try again in {retry_after_s} s."
        )
        super().__init__([Problem(None, ErrorCode.TOO_MANY_ATTEMPTS, message)])


@dataclass(frozen=True)
class SignedIn:
    """A session opened by a sign-in; `token` is shown to the client once."""

    token: str
    email: str
    role: Role
    expires_at: datetime
    idle_timeout_s: int


async def sign_in(uow: UnitOfWork, email: str, password: str, rules: StaffSignIn) -> SignedIn:
    """Open a session for the enabled user with this email and password.

    Raises DomainError for input that cannot be an attempt (a missing or malformed email, a
    password over 1024 characters: not counted), TooManyAttempts while the address is
    locked (not verified, not counted), InvalidCredentials for a failed attempt (counted).
    A success forgets the address's failures, replaces the stored hash when argon2 asks
    for a rehash, and opens a session (its idle timeout and maximum age from `rules`)."""
    problems = Problems()
    address = staff_email(problems, "email", email)
    check_offered_password(problems, "password", password)
    problems.raise_if_any()
    now = rules.sessions.clock()
    user = await run(uow, CountAttempt(address, now, rules.lockout))
    verified = await rules.passwords.verify(user.password_hash if user else None, password)
    if user is None or user.disabled or not verified.matches:
        raise InvalidCredentials()
    return await run(uow, OpenSession(user, verified, now, rules.sessions))


@dataclass(frozen=True)
class Candidate:
    """The user an attempt names, as found when the attempt was counted."""

    id: int
    email: str
    role: Role
    password_hash: str
    disabled: bool


# One statement, so that concurrent attempts at one address count exactly: ON CONFLICT locks
# the address's row, and each attempt sees the count the one before it left. An attempt at
# a locked address updates nothing (the WHERE) and returns no row. A row whose last failure
# is older than `forget_s` counts this attempt as its first (`n`), and the lock follows
# from that count: forgetting the address is the upsert's own work, not the pruning's.
_COUNT_ATTEMPT = text(
    """
    WITH p AS (
        SELECT CAST(:now AS timestamptz) AS now, CAST(:after AS integer) AS after,
               CAST(:first_s AS double precision) AS first_s,
               CAST(:max_s AS double precision) AS max_s,
               CAST(:forget_s AS double precision) AS forget_s
    )
    INSERT INTO staff_login_failures AS f (email, failures, last_failed_at, locked_until)
    SELECT :email, 1, p.now,
           CASE WHEN p.after <= 1 THEN p.now + make_interval(secs => p.first_s) END
    FROM p
    ON CONFLICT (email) DO UPDATE
    SET (failures, last_failed_at, locked_until) = (
        SELECT n.failures, p.now,
               CASE WHEN n.failures >= p.after THEN p.now + make_interval(secs =>
                   least(p.first_s * power(2, least(n.failures - p.after, 30)), p.max_s)
               ) END
        FROM p, LATERAL (
            SELECT CASE WHEN f.last_failed_at < p.now - make_interval(secs => p.forget_s)
                        THEN 1 ELSE f.failures + 1 END AS failures
        ) AS n
    )
    WHERE f.locked_until IS NULL OR f.locked_until <= EXCLUDED.last_failed_at
    RETURNING f.failures
    """
)


@dataclass(frozen=True)
class CountAttempt(Command[Candidate | None]):
    """Count the attempt (committed before the password is verified: `run` commits when
    this returns) and find its user; TooManyAttempts, counting nothing, while the address
    is locked."""

    email: str
    now: datetime
    lockout: Lockout

    replay_on_refusal = False

    async def handle(self, uow: UnitOfWork) -> Candidate | None:
        lockout, f = self.lockout, staff_login_failures.c
        # Housekeeping: rows of addresses quiet for long are deleted, a few at a time,
        # skipping rows another attempt holds, so concurrent attempts never wait for each
        # other here (nor deadlock taking the same rows in different orders). Whether this
        # address's own old failures still count is the upsert's decision, not this one's:
        # the few deleted need not include it.
        stale = (
            select(f.email)
            .where(f.last_failed_at < self.now - timedelta(seconds=lockout.forget_after_s))
            .limit(PRUNED_PER_ATTEMPT)
            .with_for_update(skip_locked=True)
        )
        await uow.execute(delete(staff_login_failures).where(f.email.in_(stale)))
        counted = await uow.execute(
            _COUNT_ATTEMPT,
            {
                "email": self.email,
                "now": self.now,
                "after": lockout.after_failures,
                "first_s": float(lockout.first_lock_s),
                "max_s": float(lockout.max_lock_s),
                "forget_s": float(lockout.forget_after_s),
            },
        )
        if counted.one_or_none() is None:
            locked_until = (
                await uow.execute(select(f.locked_until).where(f.email == self.email))
            ).scalar_one()
            wait_s = (locked_until - self.now).total_seconds()
            raise TooManyAttempts(max(1, math.ceil(wait_s)))
        u = staff_users.c
        row = (
            await uow.execute(
                select(u.id, u.email, u.role, u.password_hash, u.disabled_at).where(
                    u.email == self.email
                )
            )
        ).one_or_none()
        if row is None:
            return None
        return Candidate(
            row.id, row.email, Role(row.role), row.password_hash, row.disabled_at is not None
        )


@dataclass(frozen=True)
class OpenSession(Command[SignedIn]):
    """Open the session of a verified attempt, unless the user was disabled or given a new
    password while its password was being verified (InvalidCredentials then)."""

    user: Candidate
    verified: Verified
    now: datetime
    policy: SessionPolicy

    replay_on_refusal = False

    async def handle(self, uow: UnitOfWork) -> SignedIn:
        u = staff_users.c
        # The user's row locked: a concurrent disable or set-password waits for this
        # transaction, and then ends the session it opens.
        current = (
            await uow.execute(
                select(u.password_hash, u.disabled_at).where(u.id == self.user.id).with_for_update()
            )
        ).one()
        if current.disabled_at is not None or current.password_hash != self.user.password_hash:
            raise InvalidCredentials()
        if self.verified.rehashed is not None:
            await uow.execute(
                update(staff_users)
                .where(u.id == self.user.id)
                .values(password_hash=self.verified.rehashed)
            )
        await uow.execute(
            delete(staff_login_failures).where(staff_login_failures.c.email == self.user.email)
        )
        opened = await open_session(uow, self.user.id, self.now, self.policy)
        return SignedIn(
            opened.token,
            self.user.email,
            self.user.role,
            opened.expires_at,
            self.policy.idle_timeout_s,
        )
