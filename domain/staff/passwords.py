"""Staff passwords: what a password must be, and argon2id hashing off the event loop.

argon2id (argon2-cffi's defaults: RFC 9106's low-memory profile, 64 MiB and 3 passes) takes
a fifth of a second of CPU and 64 MiB per hash or verification. So each runs in a worker
thread, never on the event loop, and at most `concurrency` run at once in a process: a burst
of sign-ins queues instead of taking every core and a gigabyte of memory."""

from __future__ import annotations

import asyncio
import base64
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import ErrorCode, Problems

MIN_PASSWORD_LENGTH = 12
# Longer passwords are refused unhashed: a megabyte "password" is an attack, not a secret.
MAX_PASSWORD_LENGTH = 1024
# Hashes or verifications running at once in one process.
DEFAULT_CONCURRENCY = 2


def check_new_password(problems: Problems, field: str, password: str | None) -> None:
    """Problems on `field` unless `password` may be set: 12 to 1024 characters, none of
    them NUL or a lone UTF-16 surrogate (which no encoding can hash)."""
    if _check_text(problems, field, password) and len(password or "") < MIN_PASSWORD_LENGTH:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At least {MIN_PASSWORD_LENGTH} characters.")


def check_offered_password(problems: Problems, field: str, password: str | None) -> None:
    """Problems on `field` unless `password` can be checked at all (given, at most 1024
    characters, hashable). Its length below the minimum is not said: that is for the hash
    to refuse, like any other wrong password."""
    _check_text(problems, field, password)


def _check_text(problems: Problems, field: str, password: str | None) -> bool:
    if not password:
        problems.add(field, ErrorCode.REQUIRED, "A password is required.")
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {MAX_PASSWORD_LENGTH} characters.")
    elif "\x00" in password:
        problems.add(field, ErrorCode.INVALID, "A password cannot contain a NUL character.")
    elif any("\ud800" <= c <= "\udfff" for c in password):
        problems.add(field, ErrorCode.INVALID, "A password cannot contain a lone UTF-16 surrogate.")
    else:
        return True
    return False


@dataclass(frozen=True)
class Verified:
    """A verification's outcome; `rehashed` is a new hash of the password when it matched a
    hash made with weaker parameters than today's (store it in place of the old one)."""

    matches: bool
    rehashed: str | None = None


class Passwords:
    """argon2id hashes, made and checked in worker threads, `concurrency` at a time."""

    def __init__(
        self, hasher: PasswordHasher | None = None, concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        self._hasher = hasher or PasswordHasher()
        self._slots = asyncio.Semaphore(concurrency)
        self.unknown_user_hash = _unguessable_hash(self._hasher)

    async def hash(self, password: str) -> str:
        """The argon2id hash of a password (checked by check_new_password beforehand)."""
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> Verified:
        """Whether `password` matches `password_hash`. None (no such user) is checked
        against a hash no password matches, made with today's parameters, so an unknown
        user costs the same time as a wrong password."""
        async with self._slots:
            return await asyncio.to_thread(
                self._verify, password_hash or self.unknown_user_hash, password
            )

    def _verify(self, password_hash: str, password: str) -> Verified:
        try:
            self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return Verified(False)
        if self._hasher.check_needs_rehash(password_hash):
            return Verified(True, self._hasher.hash(password))
        return Verified(True)


def _unguessable_hash(hasher: PasswordHasher) -> str:
    """A well-formed argon2id hash with today's parameters and random salt and digest: its
    verification costs what a real one costs, and no password matches it."""

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode().rstrip("=")

    salt = b64(secrets.token_bytes(hasher.salt_len))
    digest = b64(secrets.token_bytes(hasher.hash_len))
    return (
        f"$argon2id$v=19$m={hasher.memory_cost},t={hasher.time_cost},"
        f"p={hasher.parallelism}${salt}${digest}"
    )
