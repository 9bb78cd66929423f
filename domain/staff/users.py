"""Staff users: created with a role and a password, listed, disabled, given a new password.

Disabling a user or setting its password ends every session it has open, in the same
transaction. API processes that cached one of those sessions stop accepting it within their
cache's lifetime (30 s); the process that served a logout stops at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.access.permissions import Role
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.staff.passwords import Passwords, check_new_password
from domain.staff.sessions import end_sessions_of
from domain.staff.tables import staff_login_failures, staff_users
from domain.uow import UnitOfWork
from domain.validation import MAX_EMAIL_LENGTH


@dataclass(frozen=True)
class StaffUser:
    """A user as listed: never its password hash."""

    id: int
    email: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None


def staff_email(problems: Problems, field: str, value: str | None) -> str:
    """The address as stored and looked up: ASCII (an internationalised domain in its
    xn-- form) and lower case, so that Ann@Shop.example and ann@shop.example are one user.
    A problem on `field` (and "") when it is missing, too long or not an address."""
    text = (value or "").strip()
    if not text:
        problems.add(field, ErrorCode.REQUIRED, "An email address is required.")
        return ""
    if len(text) > MAX_EMAIL_LENGTH:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {MAX_EMAIL_LENGTH} characters.")
        return ""
    try:
        checked = validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_display_name=False,
            allow_domain_literal=False,
        )
    except EmailNotValidError as error:
        problems.add(field, ErrorCode.INVALID, f"Not a valid email address: {error}")
        return ""
    return str(checked.ascii_email).lower()


def staff_role(problems: Problems, field: str, value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        problems.add(field, ErrorCode.INVALID, f"Role must be one of {roles}.")
        return Role.VIEWER


async def create_user(
    uow: UnitOfWork, email: str, role: str, password: str, passwords: Passwords
) -> StaffUser:
    """Create an enabled user. Every problem with the email (DUPLICATE when a user has it,
    whatever its case), the role or the password is raised at once, and nothing is written;
    the password is hashed (argon2id) only once the rest checked out."""
    problems = Problems()
    address = staff_email(problems, "email", email)
    checked_role = staff_role(problems, "role", role)
    check_new_password(problems, "password", password)
    problems.raise_if_any()
    if await user_by_email(uow, address) is not None:
        raise _duplicate(address)
    password_hash = await passwords.hash(password)
    created = await run(uow, CreateUser(address, checked_role, password_hash, ensure=False))
    if created is None:  # created by someone else between the check and the insert
        raise _duplicate(address)
    return created


async def ensure_user(
    uow: UnitOfWork, email: str, role: Role, password: str, passwords: Passwords
) -> bool:
    """Create the user unless one with that email exists (left as it is, password and role
    alike); True when it was created. For accounts a program makes on every start (the
    demo's): the password is hashed only when the user is missing."""
    problems = Problems()
    address = staff_email(problems, "email", email)
    check_new_password(problems, "password", password)
    problems.raise_if_any()
    if await user_by_email(uow, address) is not None:
        return False
    password_hash = await passwords.hash(password)
    return await run(uow, CreateUser(address, role, password_hash, ensure=True)) is not None


def _duplicate(address: str) -> DomainError:
    return DomainError.one("email", ErrorCode.DUPLICATE, f"A user with {address} exists already.")


@dataclass(frozen=True)
class CreateUser(Command[StaffUser | None]):
    email: str
    role: Role
    password_hash: str
    ensure: bool

    async def handle(self, uow: UnitOfWork) -> StaffUser | None:
        row = (
            await uow.execute(
                pg_insert(staff_users)
                .values(email=self.email, role=self.role.value, password_hash=self.password_hash)
                .on_conflict_do_nothing(index_elements=[staff_users.c.email])
                .returning(*_LISTED)
            )
        ).one_or_none()
        return None if row is None else _user(row)


_LISTED = (
    staff_users.c.id,
    staff_users.c.email,
    staff_users.c.role,
    staff_users.c.created_at,
    staff_users.c.disabled_at,
)


def _user(row: object) -> StaffUser:
    values = row._asdict()  # type: ignore[attr-defined]
    return StaffUser(**{**values, "role": Role(values["role"])})


async def user_by_email(uow: UnitOfWork, email: str) -> StaffUser | None:
    """The user with this (normalised) address, enabled or not."""
    async with uow:
        row = (
            await uow.execute(select(*_LISTED).where(staff_users.c.email == email))
        ).one_or_none()
    return None if row is None else _user(row)


async def list_users(uow: UnitOfWork) -> list[StaffUser]:
    """Every user, oldest first, disabled ones too."""
    async with uow:
        rows = await uow.execute(select(*_LISTED).order_by(staff_users.c.id))
        return [_user(row) for row in rows]


@dataclass(frozen=True)
class UserChange:
    """What disabling a user or setting its password did."""

    user: StaffUser
    sessions_ended: int


async def disable_user(uow: UnitOfWork, email: str) -> UserChange:
    """Disable the user and end its open sessions, in one transaction. NOT_FOUND on `email`
    when no enabled user has that address. A disabled user cannot sign in (it is told what
    a wrong password is told)."""
    problems = Problems()
    address = staff_email(problems, "email", email)
    problems.raise_if_any()
    return await run(uow, DisableUser(address))


@dataclass(frozen=True)
class DisableUser(Command[UserChange]):
    email: str

    async def handle(self, uow: UnitOfWork) -> UserChange:
        row = (
            await uow.execute(
                update(staff_users)
                .where(staff_users.c.email == self.email, staff_users.c.disabled_at.is_(None))
                .values(disabled_at=func.now())
                .returning(*_LISTED)
            )
        ).one_or_none()
        if row is None:
            raise DomainError.one(
                "email", ErrorCode.NOT_FOUND, f"No enabled user has the address {self.email}."
            )
        user = _user(row)
        return UserChange(user, await end_sessions_of(uow, user.id))


async def set_password(
    uow: UnitOfWork, email: str, password: str, passwords: Passwords
) -> UserChange:
    """Give the user (enabled or disabled) a new password, end its open sessions and forget
    its failed sign-ins (a locked-out user can sign in at once with the new password), in
    one transaction. NOT_FOUND on `email` when no user has that address."""
    problems = Problems()
    address = staff_email(problems, "email", email)
    check_new_password(problems, "password", password)
    problems.raise_if_any()
    if await user_by_email(uow, address) is None:
        raise _not_found(address)
    return await run(uow, SetPassword(address, await passwords.hash(password)))


def _not_found(address: str) -> DomainError:
    return DomainError.one("email", ErrorCode.NOT_FOUND, f"No user has the address {address}.")


@dataclass(frozen=True)
class SetPassword(Command[UserChange]):
    email: str
    password_hash: str

    async def handle(self, uow: UnitOfWork) -> UserChange:
        row = (
            await uow.execute(
                update(staff_users)
                .where(staff_users.c.email == self.email)
                .values(password_hash=self.password_hash, password_changed_at=func.now())
                .returning(*_LISTED)
            )
        ).one_or_none()
        if row is None:
            raise _not_found(self.email)
        await uow.execute(
            delete(staff_login_failures).where(staff_login_failures.c.email == self.email)
        )
        user = _user(row)
        return UserChange(user, await end_sessions_of(uow, user.id))
