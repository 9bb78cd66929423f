"""What every bench shares: a database of its own, the server started as a user starts it,
closed- or open-loop clients with latency percentiles, and the figures printed as a table
and as one JSON line (the last line of the output)."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httptools
import orjson
from sqlalchemy.engine import make_url

from tessera.database import asyncpg_dsn
from tessera.embedded import start_temporary_postgres, start_temporary_redis
from tessera.migrate import upgrade
from tessera.settings import PROJECT_ROOT, Settings

LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 15.0


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per side")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients per side")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="each API client keeps its connection (KeptConnection) instead of one a request",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="open loop: start this many operations a second on a fixed schedule, at most "
        "--clients at a time, latency counted from when each was due (default: closed loop, "
        "each client starting its next operation when its last one ends)",
    )


def poster(
    port: int, clients: int, keep_alive: bool
) -> Callable[[int, str, bytes, bytes], Awaitable[tuple[int, bytes]]]:
    """How client n posts: over a connection of its own that it keeps, or a new one each time."""
    if not keep_alive:
        return lambda n, path, body, headers: http_post(port, path, body, headers)
    kept = [KeptConnection(port) for _ in range(clients)]
    return lambda n, path, body, headers: kept[n].post(path, body, headers)


@dataclass
class Phase:
    """What a run of one driver measured (warm-up excluded)."""

    latencies_s: dict[str, list[float]] = field(default_factory=dict)
    # Latency of the steps of an operation made of several requests (see `drive`).
    steps_s: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    issued: int = 0  # requests issued, warm-up included (the denominator for CPU per request)
    client_cpu_s: float = 0.0

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies_s.values())

    @property
    def rps(self) -> float:
        return self.count / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, q: float, kind: str | None = None) -> float:
        if kind:
            return _percentile_ms(self.latencies_s.get(kind, []), q)
        return _percentile_ms([x for v in self.latencies_s.values() for x in v], q)

    def step_percentile_ms(self, q: float, step: str) -> float:
        return _percentile_ms(self.steps_s.get(step, []), q)

    def record(self, op: Any, error: str | None, latency_s: float, measured: bool) -> None:
        """One operation done: its error, else (after the warm-up) its latency by its kind
        and its steps' (whatever its executor left in its `steps_s`)."""
        self.issued += 1
        if error is not None:
            self.errors.append(error)
        elif measured:
            self.latencies_s.setdefault(type(op).__name__, []).append(latency_s)
            for step, seconds in getattr(op, "steps_s", {}).items():
                self.steps_s.setdefault(step, []).append(seconds)


def merged(phases: list[Phase]) -> Phase:
    """Phases of the same driver measured one after another (rounds), as one."""
    whole = Phase()
    for phase in phases:
        for kind, values in phase.latencies_s.items():
            whole.latencies_s.setdefault(kind, []).extend(values)
        for step, values in phase.steps_s.items():
            whole.steps_s.setdefault(step, []).extend(values)
        whole.errors += phase.errors
        whole.elapsed_s += phase.elapsed_s
        whole.issued += phase.issued
        whole.client_cpu_s += phase.client_cpu_s
    return whole


# (database URL, customer ids, arguments, round) -> the phase and its figures
Measure = Callable[
    [str, list[int], argparse.Namespace, int], Awaitable[tuple[Phase, dict[str, float]]]
]


@dataclass
class Rounds:
    """An API side and a SQL side measured in rounds: each side's phases as one, and its
    figures averaged over the rounds with each round's ratio of requests a second
    (`round_ratios`)."""

    api: Phase
    sql: Phase
    figures: dict[str, Any]


async def alternate(
    database_url: str,
    customer_ids: list[int],
    args: argparse.Namespace,
    api: Measure,
    sql: Measure,
) -> Rounds:
    """`args.rounds` rounds of `api` then `sql` (`args.sql_first`: `sql` then `api`), the
    database settled before each phase: which side runs first changes its speed, so a
    single pair of phases favours one side (bench/README.md)."""
    found: dict[str, list[tuple[Phase, dict[str, float]]]] = {"api": [], "sql": []}
    for round_no in range(1, args.rounds + 1):
        for side in ("sql", "api") if args.sql_first else ("api", "sql"):
            await settle(database_url)
            measure = api if side == "api" else sql
            found[side].append(await measure(database_url, customer_ids, args, round_no))
    figures: dict[str, Any] = {}
    for measured in found.values():
        for name in measured[0][1]:
            figures[name] = round(sum(f[name] for _, f in measured) / len(measured), 2)
    figures["round_ratios"] = [
        round(a.rps / s.rps, 3) if s.rps else 0.0
        for (a, _), (s, _) in zip(found["api"], found["sql"], strict=True)
    ]
    return Rounds(
        merged([p for p, _ in found["api"]]), merged([p for p, _ in found["sql"]]), figures
    )


def add_round_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds of an API phase then a SQL phase; the figures are over all of them",
    )
    parser.add_argument(
        "--sql-first",
        action="store_true",
        help="each round measures the SQL baseline first (the API first by default)",
    )


def _percentile_ms(latencies_s: list[float], q: float) -> float:
    values = sorted(latencies_s)
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


Execute = Callable[[int, Any], Awaitable[str | None]]  # (client, operation) -> error or None
NextOperation = Callable[[random.Random, str], Any]  # (client's rng, unique tag) -> operation


async def drive(
    execute: Execute, next_operation: NextOperation, prefix: str, args: argparse.Namespace
) -> Phase:
    """Run `args.clients` loops issuing operations back to back for `args.warmup` then
    `args.seconds` seconds; latencies are kept for the latter only, errors for both.
    With `args.rate`, the operations start on a schedule instead (`drive_at_rate`).

    An operation made of several requests may time them: whatever its executor leaves in
    its `steps_s` (a dict of step name to seconds) is kept as the steps' latencies."""
    if getattr(args, "rate", None):
        return await drive_at_rate(execute, next_operation, prefix, args)
    phase = Phase()
    loop = asyncio.get_running_loop()
    measure_from = loop.time() + args.warmup
    stop_at = measure_from + args.seconds
    cpu_start = time.process_time()

    async def client(n: int) -> None:
        rng = random.Random(f"{prefix}-{n}")
        seq = 0
        while (now := loop.time()) < stop_at:
            seq += 1
            op = next_operation(rng, f"{prefix}-{n}-{seq}")
            t0 = time.perf_counter()
            error = await execute(n, op)
            latency = time.perf_counter() - t0
            phase.record(op, error, latency, measured=now >= measure_from)

    await asyncio.gather(*(client(n) for n in range(args.clients)))
    phase.elapsed_s = loop.time() - measure_from
    phase.client_cpu_s = time.process_time() - cpu_start
    return phase


async def drive_at_rate(
    execute: Execute, next_operation: NextOperation, prefix: str, args: argparse.Namespace
) -> Phase:
    """Open loop: operation i is due at i / `args.rate` seconds from the start, whatever the
    latency of those before it, and starts then on one of `args.clients` clients (a
    connection, for the SQL side) as soon as one is free. Its latency counts from when it was
    due, so an operation that waited for a free client, or behind a slow one, counts that
    wait: a server that falls behind shows it in the percentiles instead of slowing the
    load down ("coordinated omission"). Operations due in `args.warmup` are not measured."""
    phase = Phase()
    # perf_counter, not the loop's clock: uvloop's counts whole milliseconds.
    start = time.perf_counter()
    measure_from = start + args.warmup
    stop_at = measure_from + args.seconds
    cpu_start = time.process_time()
    rng = random.Random(prefix)
    free: asyncio.Queue[int] = asyncio.Queue()
    for n in range(args.clients):
        free.put_nowait(n)
    running: set[asyncio.Task[None]] = set()

    async def one(n: int, op: Any, due: float) -> None:
        try:
            error = await execute(n, op)
        finally:
            free.put_nowait(n)
        phase.record(op, error, time.perf_counter() - due, measured=due >= measure_from)

    seq = 0
    while (due := start + seq / args.rate) < stop_at:
        if (wait_s := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait_s)
        n = await free.get()
        seq += 1
        task = asyncio.create_task(one(n, next_operation(rng, f"{prefix}-{seq}"), due))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)
    # Until the last operation ended: a server that fell behind serves fewer than the rate.
    phase.elapsed_s = time.perf_counter() - measure_from
    phase.client_cpu_s = time.process_time() - cpu_start
    return phase


def load_of(args: argparse.Namespace) -> str:
    """How the clients drive the load, for a bench's heading."""
    if getattr(args, "rate", None):
        return f"open loop at {args.rate:g} operations/s on at most {args.clients} clients"
    return f"{args.clients} clients"


_QUANTILES = ((0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (1.0, "max"))


def print_phases(
    phases: dict[str, Phase], unit: str = "requests", per_second: str = "req/s"
) -> None:
    """The table of operations, operations/s and latency percentiles, per phase and
    operation kind, then per step when the operations timed their steps."""
    print(
        f"{'':<22}{unit:>10}{per_second:>10}" + "".join(f"{n + ' ms':>10}" for _, n in _QUANTILES)
    )
    for name, phase in phases.items():
        rows: list[tuple[str, int, float, str | None]] = [
            (f"{name} (all)", phase.count, phase.rps, None)
        ]
        rows += [
            (f"  {kind}", len(values), len(values) / phase.elapsed_s, kind)
            for kind, values in sorted(phase.latencies_s.items())
        ]
        for label, count, rps, kind in rows:
            print(
                f"{label:<22}{count:>10}{rps:>10.1f}"
                + "".join(f"{phase.percentile_ms(q, kind):>10.2f}" for q, _ in _QUANTILES)
            )
        for step, values in phase.steps_s.items():  # in the order the operations ran them
            print(
                f"{'    ' + step:<22}{len(values):>10}{len(values) / phase.elapsed_s:>10.1f}"
                + "".join(f"{phase.step_percentile_ms(q, step):>10.2f}" for q, _ in _QUANTILES)
            )


def phase_figures(prefix: str, phase: Phase) -> dict[str, float]:
    return {
        f"{prefix}_rps": round(phase.rps, 1),
        f"{prefix}_p50_ms": round(phase.percentile_ms(0.5), 2),
        f"{prefix}_p99_ms": round(phase.percentile_ms(0.99), 2),
    }


class _Response:
    """httptools callbacks: collects the body and notices the end of the message."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.complete = False

    def on_body(self, chunk: bytes) -> None:
        self.body += chunk

    def on_message_complete(self) -> None:
        self.complete = True


async def http_post(port: int, path: str, body: bytes, headers: bytes) -> tuple[int, bytes]:
    """POST over a new loopback connection that the client closes after the response.

    The load generator shares the cores with the server it measures, so it is kept lean:
    asyncio streams and httptools' parser (aiohttp cost about 0.4 ms more CPU per request
    here). A connection per request is what a load balancer in front of the workers gives:
    with long-lived connections uvicorn's workers, which share one listening socket, keep
    whatever share of the clients the kernel first gave them (19 and 13 was typical)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %d\r\n\r\n%s"
            % (path.encode(), headers, len(body), body)
        )
        response = _Response()
        parser = httptools.HttpResponseParser(response)
        while not response.complete:
            chunk = await reader.read(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection mid-response")
            parser.feed_data(chunk)
        return parser.get_status_code(), bytes(response.body)
    finally:
        writer.close()


class KeptConnection:
    """One client's HTTP connection, kept from request to request as a load balancer keeps
    its pool of connections to the workers, and opened again whenever the server closes it:
    Tessera closes a connection after `TESSERA_KEEPALIVE_REQUESTS` requests (100), so the
    clients' connections spread over uvicorn's workers again and again instead of staying
    where the kernel first put them (the reason `http_post` opens one per request)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.opened = 0
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes, headers: bytes) -> tuple[int, bytes]:
        request = b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %d\r\n\r\n%s" % (
            path.encode(),
            headers,
            len(body),
            body,
        )
        fresh = self._streams is None
        try:
            return await self._exchange(request)
        except ConnectionError:
            if fresh:
                raise
            # A kept connection the server closed while it was idle: once more on a new one.
            return await self._exchange(request)

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection("127.0.0.1", self.port)
            self.opened += 1
        reader, writer = self._streams
        response = _Response()
        parser = httptools.HttpResponseParser(response)
        try:
            writer.write(request)
            while not response.complete:
                chunk = await reader.read(65536)
                if not chunk:
                    raise ConnectionError("the server closed the connection")
                parser.feed_data(chunk)
        except (ConnectionError, httptools.HttpParserError):
            self.close()
            raise ConnectionError("the server closed the connection") from None
        if not parser.should_keep_alive():
            self.close()
        return parser.get_status_code(), bytes(response.body)

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def timed_graphql(
    port: int, query: str, variables: dict[str, Any], headers: bytes
) -> tuple[float, dict[str, Any]]:
    """One GraphQL request's wall time in seconds and its answer (a non-200 answer's body
    becomes its `errors`)."""
    body = orjson.dumps({"query": query, "variables": variables})
    t0 = time.perf_counter()
    status, raw = await http_post(port, "/graphql", body, headers)
    elapsed = time.perf_counter() - t0
    answer: dict[str, Any] = orjson.loads(raw) if status == 200 else {"errors": [raw.decode()]}
    return elapsed, answer


def header_lines(headers: dict[str, str]) -> bytes:
    return b"".join(f"{name}: {value}\r\n".encode() for name, value in headers.items())


# --- the database and the server ---------------------------------------------------------------


def _port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def choose_server() -> tuple[str, Callable[[], None]]:
    """A PostgreSQL server URL to create the bench database on, and how to stop it after."""
    if url := os.environ.get("TESSERA_DATABASE_URL"):
        return url, lambda: None
    if _port_answers("127.0.0.1", 5432):
        return LOCAL_SERVER_URL, lambda: None
    print("no PostgreSQL configured or on :5432; starting an embedded one", file=sys.stderr)
    return start_temporary_postgres(Settings.from_env().data_dir / "bench")


def with_database(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def admin_sql(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def run_on_fresh_database(
    name: str, body: Callable[[str], Coroutine[Any, Any, dict[str, Any]]]
) -> dict[str, Any]:
    """Create and migrate a database of the bench's own, run `body(database_url)` in an
    event loop, drop the database (even on failure) and print the result as the last line."""
    server_url, stop_server = choose_server()
    database = f"tessera_bench_{name}_{os.getpid()}"
    try:
        asyncio.run(admin_sql(server_url, f'CREATE DATABASE "{database}"'))
        try:
            database_url = with_database(server_url, database)
            upgrade(database_url)
            with asyncio.Runner(loop_factory=_new_event_loop) as runner:
                result = runner.run(body(database_url))
        finally:
            asyncio.run(admin_sql(server_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        stop_server()
    print(orjson.dumps(result).decode())
    return result


@contextmanager
def own_broker() -> Iterator[str]:
    """TESSERA_BROKER_URL if set, else a Redis of the run's own (so that no other worker
    on the machine takes this run's messages), stopped and deleted after."""
    if url := Settings.from_env().broker_url:
        yield url
        return
    url, stop = start_temporary_redis(PROJECT_ROOT / ".tessera" / "bench")
    try:
        yield url
    finally:
        stop()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "tessera.cli", *args]


@contextmanager
def running_server(
    database_url: str, port: int, root: Path = PROJECT_ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """`tessera serve --workers 2` on the bench database, the code of the checkout at `root`
    (this one unless bench/compare.py says another); SIGTERM and wait on the way out."""
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            cli("serve", "--port", str(port), "--workers", "2", "--log-level", "warning"),
            env=env,
            cwd=root,  # `python -m` puts it first on the path: its code is the one served
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(SERVER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)  # its own session: only our server
                server.wait()
            log.seek(0)
            output = log.read().decode(errors="replace").strip()
            if output:
                print(f"--- server output ---\n{output[-4000:]}", file=sys.stderr)


async def wait_healthy(
    session: aiohttp.ClientSession, base: str, server: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            async with session.get(f"{base}/health") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server was not healthy within {SERVER_START_TIMEOUT_S:.0f}s")
        await asyncio.sleep(0.1)


def process_tree_cpu_s(pid: int) -> float:
    """CPU seconds used so far by a process and its children (the server's workers)."""
    try:
        import psutil
    except ImportError:  # the figure is a diagnostic; the bench runs without it
        return float("nan")
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def database_server_cpu_s() -> float:
    """CPU seconds used so far by the PostgreSQL processes on this machine (nan when it runs
    elsewhere or psutil is missing): what the database spends on a phase, read before the
    phase's connections close (a backend's CPU leaves the count when it exits)."""
    try:
        import psutil
    except ImportError:
        return float("nan")
    total, found = 0.0, False
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
        found = True
    return total if found else float("nan")


async def settle(database_url: str) -> None:
    """Let the database catch up before a measured phase: VACUUM ANALYZE (the autovacuum a
    seeding or an earlier phase would start during the phase) and a CHECKPOINT (the dirty
    pages it left, written now rather than inside the phase), so that a phase does not pay
    for the work of the one before it."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def database_transactions(database_url: str) -> int:
    """Transactions committed or rolled back in the database so far, as PostgreSQL counts."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        count: int = await conn.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return count
    finally:
        await conn.close()


def create_token(database_url: str, role: str = "admin") -> str:
    result = subprocess.run(
        cli("token", "create", "--role", role, "--name", "bench"),
        env={**os.environ, "TESSERA_DATABASE_URL": database_url},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def _new_event_loop() -> asyncio.AbstractEventLoop:
    # The same loop for both sides; uvloop keeps the client's own CPU use down when present.
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop
