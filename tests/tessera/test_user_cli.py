"""`tessera user ...`, run as an administrator runs it (a subprocess): staff users created
with a typed, piped or generated password, listed, given a new password and disabled, and
what each does to signing in and to open sessions (checked through a real server)."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.staff import VIEWER, codes, login, session_token

PASSWORD = "a long enough password"
FIRST, AGAIN = "Password (12 characters or more): ", "The same password again: "


async def tessera(
    database_url: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tessera.cli", *args],
        env=env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
async def gql(server_url: str, clean_db: AsyncEngine) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:
        yield GraphQLClient(http, None)


async def test_a_user_created_with_a_piped_password_signs_in_and_is_listed(
    database_url: str, gql: GraphQLClient
) -> None:
    # When an admin creates a cashier, piping the password in
    created = await tessera(
        database_url,
        *("user", "create", "--email", "Cal@Shop.Example", "--role", "cashier"),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    # Then it says so, the cashier signs in with that password (the newline dropped)...
    assert created.returncode == 0, created.stderr
    assert created.stdout == "Created cashier user cal@shop.example.\n"
    assert PASSWORD not in created.stdout
    session = (await login(gql, "cal@shop.example", PASSWORD))["session"]
    assert session["role"] == "CASHIER"
    # ...and the list shows the user, enabled
    listed = await tessera(database_url, "user", "list")
    assert listed.returncode == 0, listed.stderr
    (row,) = listed.stdout.splitlines()[1:]
    assert row.split()[1] == "cashier"
    assert row.split()[-2:] == ["-", "cal@shop.example"]  # not disabled


async def test_a_generated_password_is_printed_once_and_works(
    database_url: str, gql: GraphQLClient
) -> None:
    created = await tessera(
        database_url,
        "user",
        "create",
        "--email",
        "vi@shop.example",
        "--role",
        "viewer",
        "--generate",
    )
    assert created.returncode == 0, created.stderr
    password = created.stdout.strip().splitlines()[-1]
    assert len(password) >= 24 and " " not in password
    assert created.stdout.count(password) == 1
    assert (await login(gql, "vi@shop.example", password))["session"]["role"] == "VIEWER"


async def test_a_new_password_ends_the_sessions_and_replaces_the_old_one(
    database_url: str, gql: GraphQLClient
) -> None:
    # Given a manager signed in
    await tessera(
        database_url,
        *("user", "create", "--email", "max@shop.example", "--role", "manager"),
        "--password-stdin",
        stdin=PASSWORD,
    )
    signed_in = gql.as_(await session_token(gql, "max@shop.example", PASSWORD))

    # When an admin sets her password
    changed = await tessera(
        database_url,
        *("user", "set-password", "--email", "max@shop.example", "--password-stdin"),
        stdin="another long password\n",
    )

    # Then her session is refused, the old password fails and the new one signs in
    assert changed.returncode == 0, changed.stderr
    assert "1 session(s) ended" in changed.stdout
    assert error_codes(await signed_in.post(VIEWER)) == ["UNAUTHENTICATED"]
    assert codes(await login(gql, "max@shop.example", PASSWORD)) == ["INVALID_CREDENTIALS"]
    assert (await login(gql, "max@shop.example", "another long password"))["session"]


async def test_a_disabled_user_cannot_sign_in_and_its_sessions_end(
    database_url: str, gql: GraphQLClient
) -> None:
    await tessera(
        database_url,
        *("user", "create", "--email", "ed@shop.example", "--role", "marketer"),
        "--password-stdin",
        stdin=PASSWORD,
    )
    signed_in = gql.as_(await session_token(gql, "ed@shop.example", PASSWORD))

    disabled = await tessera(database_url, "user", "disable", "--email", "ED@shop.example")

    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout.startswith("user ed@shop.example disabled; 1 session(s) ended")
    assert error_codes(await signed_in.post(VIEWER)) == ["UNAUTHENTICATED"]
    assert codes(await login(gql, "ed@shop.example", PASSWORD)) == ["INVALID_CREDENTIALS"]
    listed = await tessera(database_url, "user", "list")
    assert listed.stdout.splitlines()[1].split()[-2] != "-"  # its disabled time
    # Disabling again: there is no enabled user of that address
    again = await tessera(database_url, "user", "disable", "--email", "ed@shop.example")
    assert again.returncode == 2
    assert "No enabled user has the address ed@shop.example" in again.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (("--role", "cashier", "--password-stdin"), "too short", "password: At least 12"),
        (("--role", "wizard", "--password-stdin"), PASSWORD, "role: Role must be one of admin"),
        (("--role", "cashier", "--password-stdin"), "x" * 1025, "At most 1024 characters"),
        (("--role", "cashier", "--password-stdin"), "nul\x00inside it", "NUL character"),
        (("--role", "cashier"), None, "standard input is not a terminal: pass --password-stdin"),
    ],
    ids=["short", "role", "long", "nul", "no-terminal"],
)
async def test_a_refused_creation_says_why_and_creates_nothing(
    database_url: str, clean_db: AsyncEngine, args: tuple[str, ...], stdin: str | None, says: str
) -> None:
    refused = await tessera(
        database_url, "user", "create", "--email", "ann@shop.example", *args, stdin=stdin
    )
    assert refused.returncode == 2
    assert says in refused.stderr
    assert (await tessera(database_url, "user", "list")).stdout.count("\n") == 1


async def test_an_address_taken_in_another_case_is_refused(
    database_url: str, clean_db: AsyncEngine
) -> None:
    first = ("user", "create", "--email", "ann@shop.example", "--role", "viewer", "--generate")
    assert (await tessera(database_url, *first)).returncode == 0
    again = await tessera(
        database_url,
        "user",
        "create",
        "--email",
        "ANN@shop.example",
        "--role",
        "admin",
        "--generate",
    )
    assert again.returncode == 2
    assert "email: A user with ann@shop.example exists already." in again.stderr


def typed_at_a_terminal(
    database_url: str, args: list[str], answers: list[tuple[str, str]]
) -> tuple[int, str]:
    """Run `tessera` with a pseudo-terminal as its standard input; each time its standard
    error shows a prompt, type the answer (getpass flushes what was typed before it asked)."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "tessera.cli", *args],
            env={**os.environ, "TESSERA_DATABASE_URL": database_url},
            stdin=terminal,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert process.stderr is not None
        shown = b""
        deadline = time.monotonic() + 60
        for prompt, answer in answers:
            while prompt.encode() not in shown:
                ready, _, _ = select.select([process.stderr], [], [], 1)
                if ready:
                    shown += os.read(process.stderr.fileno(), 4096)
                assert time.monotonic() < deadline, shown
            shown = b""
            os.write(controller, (answer + "\n").encode())
        err = process.stderr.read()
        process.wait(timeout=60)
    finally:
        os.close(terminal)
        os.close(controller)
    return process.returncode, err.decode()


async def test_a_password_typed_twice_at_a_terminal(database_url: str, gql: GraphQLClient) -> None:
    create = ["user", "create", "--email", "tty@shop.example", "--role", "admin"]
    # Typed twice differently: nothing is created
    code, err = await asyncio.to_thread(
        typed_at_a_terminal, database_url, create, [(FIRST, PASSWORD), (AGAIN, PASSWORD + "!")]
    )
    assert code == 2 and "the two passwords differ" in err
    # Typed twice the same: the user signs in with it
    code, err = await asyncio.to_thread(
        typed_at_a_terminal, database_url, create, [(FIRST, PASSWORD), (AGAIN, PASSWORD)]
    )
    assert code == 0, err
    assert (await login(gql, "tty@shop.example", PASSWORD))["session"]["role"] == "ADMIN"
