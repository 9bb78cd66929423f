"""Staff API tokens (random, stored as SHA-256 hashes) and customer JWTs (HS256)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import jwt
from sqlalchemy import func, insert, select, update

from domain.access.permissions import Role
from domain.access.principals import CustomerPrincipal, Staff
from domain.access.tables import api_tokens
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode
from domain.limits import MAX_TEXT_LENGTH
from domain.uow import UnitOfWork

TOKEN_PREFIX = "tes_"


class InvalidToken(Exception):
    """The credentials are malformed, unknown, revoked or expired."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_staff_token(uow: UnitOfWork, role: str, name: str) -> str:
    """Create a token for `role`; the plain token is returned once and never stored."""
    checked = _role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await run(uow, CreateStaffToken(checked, name, _hash(token)))
    return token


@dataclass(frozen=True)
class CreateStaffToken(Command[None]):
    role: Role
    name: str
    token_hash: str

    async def handle(self, uow: UnitOfWork) -> None:
        await uow.execute(
            insert(api_tokens).values(
                name=self.name, role=self.role.value, token_hash=self.token_hash
            )
        )


async def replace_staff_token(uow: UnitOfWork, role: str, name: str) -> str:
    """Create a token for `role` named `name` and revoke every other active token of that
    name, in one transaction: however often it runs, one token of that name stays valid.

    For a token that a program re-creates on each start (`tessera demo`), so the old ones do
    not pile up. Concurrent replacements of one name wait for each other, so they too leave
    one. API processes stop accepting a revoked token within their cache's lifetime (30 s).
    """
    checked = _role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await run(uow, ReplaceStaffToken(CreateStaffToken(checked, name, _hash(token))))
    return token


@dataclass(frozen=True)
class ReplaceStaffToken(Command[None]):
    new: CreateStaffToken

    async def handle(self, uow: UnitOfWork) -> None:
        name = self.new.name
        # Serialise replacements of one name: a row lock cannot cover the token not yet made.
        await uow.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"api_tokens:{name}"))))
        await uow.execute(
            update(api_tokens)
            .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )
        await self.new.handle(uow)


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise DomainError.one("role", ErrorCode.INVALID, f"Role must be one of {roles}.") from None


@dataclass(frozen=True)
class StaffToken:
    """A token as listed: never the token itself, which only its creator saw."""

    id: int
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


async def list_staff_tokens(uow: UnitOfWork) -> list[StaffToken]:
    async with uow:
        rows = await uow.execute(
            select(
                api_tokens.c.id,
                api_tokens.c.name,
                api_tokens.c.role,
                api_tokens.c.created_at,
                api_tokens.c.revoked_at,
            ).order_by(api_tokens.c.id)
        )
        return [StaffToken(**row._asdict()) for row in rows]


async def revoke_staff_token(uow: UnitOfWork, token_id: int) -> bool:
    """Revoke a token; False when there is no such token or it was revoked already.

    API processes honour it within their token cache's lifetime (30 s)."""
    return await run(uow, RevokeStaffToken(token_id))


@dataclass(frozen=True)
class RevokeStaffToken(Command[bool]):
    token_id: int

    async def handle(self, uow: UnitOfWork) -> bool:
        revoked = await uow.execute(
            update(api_tokens)
            .where(api_tokens.c.id == self.token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=func.now())
            .returning(api_tokens.c.id)
        )
        return revoked.scalar_one_or_none() is not None


async def staff_for_token(uow: UnitOfWork, token: str) -> Staff:
    async with uow:
        row = (
            await uow.execute(
                select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.role).where(
                    api_tokens.c.token_hash == _hash(token), api_tokens.c.revoked_at.is_(None)
                )
            )
        ).one_or_none()
    if row is None:
        raise InvalidToken("unknown or revoked API token")
    return Staff(credential_id=row.id, name=row.name, role=Role(row.role))


def customer_for_jwt(token: str, secret: str, audience: str | None = None) -> CustomerPrincipal:
    """Verify an HS256 JWT from the shop's login; its `sub` is the customer's external ref."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=audience,
            options={"require": ["sub", "exp"], "verify_aud": audience is not None},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _could_be_a_reference(subject):
        raise InvalidToken("the token's sub is not a customer reference")
    return CustomerPrincipal(external_ref=subject)


def _could_be_a_reference(subject: str) -> bool:
    """Whether an external reference could be this text: not empty, within the references'
    length, and storable (no NUL, no lone surrogate: PostgreSQL text holds neither)."""
    if not subject or len(subject) > MAX_TEXT_LENGTH or "\x00" in subject:
        return False
    try:
        subject.encode()
    except UnicodeEncodeError:
        return False
    return True


def is_staff_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)
