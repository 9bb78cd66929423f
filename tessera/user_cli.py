"""`tessera user create | list | disable | set-password`: staff users who sign in to the
console (domain/staff). A password is typed twice at a terminal (never echoed), read from
standard input with --password-stdin, or generated with --generate and printed once."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from tessera.settings import Settings

if TYPE_CHECKING:
    from domain.errors import DomainError
    from domain.uow import UnitOfWork

T = TypeVar("T")
# How `tessera.cli` runs a unit of work on the configured database.
Runner = Callable[[Settings, Callable[["UnitOfWork"], Awaitable[Any]]], Any]
# 18 random bytes: 24 URL-safe characters, 144 bits.
GENERATED_PASSWORD_BYTES = 18


class NoPassword(Exception):
    """No password could be read (the message says why and what to do)."""


class UserCommands:
    """The handlers of `tessera user ...`, running their work with `run`."""

    def __init__(self, run: Runner) -> None:
        self._run = run

    def add_to(self, sub: Any) -> None:
        """Add `user` and its subcommands to the `tessera` parser's subparsers."""
        user = sub.add_parser("user", help="staff users who sign in to the console").add_subparsers(
            dest="user_command", required=True
        )
        create = user.add_parser("create", help="create a staff user with a role and a password")
        create.add_argument("--email", required=True)
        create.add_argument(
            "--role", required=True, help="admin, manager, cashier, marketer or viewer"
        )
        _password_options(create)
        create.set_defaults(run=self.create)
        user.add_parser("list", help="list staff users (never their passwords)").set_defaults(
            run=self.list
        )
        disable = user.add_parser("disable", help="disable a user and end its sessions")
        disable.add_argument("--email", required=True)
        disable.set_defaults(run=self.disable)
        new_password = user.add_parser(
            "set-password", help="give a user a new password, ending its sessions"
        )
        new_password.add_argument("--email", required=True)
        _password_options(new_password)
        new_password.set_defaults(run=self.set_password)

    def create(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.errors import DomainError
        from domain.staff.passwords import Passwords
        from domain.staff.users import create_user

        try:
            password = _password(args)
            user = self._run(
                settings,
                lambda uow: create_user(uow, args.email, args.role, password, Passwords()),
            )
        except NoPassword as error:
            return _fail(str(error))
        except DomainError as error:
            return _refused(error)
        print(f"Created {user.role.value} user {user.email}.")
        if args.generate:
            print(f"Password (shown once, not stored):\n{password}")
        return 0

    def list(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.staff.users import list_users

        users = self._run(settings, list_users)
        print(f"{'id':>5}  {'role':<9} {'created (UTC)':<20} {'disabled (UTC)':<20} email")
        for u in users:
            disabled = f"{u.disabled_at:%Y-%m-%d %H:%M:%S}" if u.disabled_at else "-"
            print(
                f"{u.id:>5}  {u.role.value:<9} {u.created_at:%Y-%m-%d %H:%M:%S}  "
                f"{disabled:<20} {u.email}"
            )
        return 0

    def disable(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.errors import DomainError
        from domain.staff.users import disable_user

        try:
            change = self._run(settings, lambda uow: disable_user(uow, args.email))
        except DomainError as error:
            return _refused(error)
        print(
            f"user {change.user.email} disabled; {change.sessions_ended} session(s) ended "
            "(API processes stop accepting them within 30 s)"
        )
        return 0

    def set_password(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.errors import DomainError
        from domain.staff.passwords import Passwords
        from domain.staff.users import set_password

        try:
            password = _password(args)
            change = self._run(
                settings, lambda uow: set_password(uow, args.email, password, Passwords())
            )
        except NoPassword as error:
            return _fail(str(error))
        except DomainError as error:
            return _refused(error)
        print(
            f"password of {change.user.email} set; {change.sessions_ended} session(s) ended "
            "(API processes stop accepting them within 30 s)"
        )
        if args.generate:
            print(f"Password (shown once, not stored):\n{password}")
        return 0


def _password_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (one trailing newline is dropped)",
    )
    source.add_argument(
        "--generate", action="store_true", help="generate a strong password and print it once"
    )


def _password(args: argparse.Namespace) -> str:
    """The password the options say to take: generated, read from stdin, or typed twice at
    a terminal. NoPassword when stdin is no terminal and no option says otherwise."""
    if args.generate:
        return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    if args.password_stdin:
        text = sys.stdin.read()
        return text.removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise NoPassword(
            "standard input is not a terminal: pass --password-stdin to read the password "
            "from it, or --generate"
        )
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("The same password again: ") != first:
        raise NoPassword("the two passwords differ; nothing was changed")
    return first


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _refused(error: DomainError) -> int:
    for problem in error.problems:
        where = f"{problem.field}: " if problem.field else ""
        print(f"error: {where}{problem.message}", file=sys.stderr)
    return 2
