"""bench/notify.py's processes: the stand-in servers (bench/notify_servers.py), each in a
process of its own, and the Dramatiq workers; the CPU they use."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson
import psutil

from tessera.settings import PROJECT_ROOT

BENCH_DIR = Path(__file__).resolve().parent
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0


@contextlib.contextmanager
def server(kind: str, port: int, results: dict[str, dict[str, int]]) -> Iterator[int]:
    """bench/notify_servers.py `kind` on `port`; its pid. On the way out it is stopped and
    what it received is put in `results[kind]`."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(BENCH_DIR / "notify_servers.py"), kind, str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the {kind} server did not start")
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=STOP_TIMEOUT_S)
        lines = out.strip().splitlines()
        results[kind] = orjson.loads(lines[-1]) if lines else {}


class Workers:
    """`dramatiq tessera.actors notify_noop` with the bench's processes and threads (what
    `tessera worker` runs, plus the no-op actor); its log is kept to tell when every worker
    process is ready, and shown when something went wrong."""

    def __init__(self, env: dict[str, str], processes: int, threads: int) -> None:
        self.processes = processes
        self.log: list[str] = []
        self._ready = threading.Semaphore(0)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dramatiq",
                "tessera.actors",
                "notify_noop",
                "--processes",
                str(processes),
                "--threads",
                str(threads),
                "--path",
                str(BENCH_DIR),
                str(PROJECT_ROOT),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line.rstrip())
            if "Worker process is ready for action" in line:
                self._ready.release()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        for _ in range(self.processes):
            if not self._ready.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise RuntimeError("the workers did not start:\n" + "\n".join(self.log[-20:]))

    def pids(self) -> list[int]:
        try:
            root = psutil.Process(self.process.pid)
            return [root.pid, *(child.pid for child in root.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only our workers
            self.process.wait()

    def errors(self) -> list[str]:
        return [line for line in self.log if "ERROR" in line or "Traceback" in line]


def cpu_s(pids: Sequence[int]) -> float:
    """CPU seconds the processes have used so far (those that are gone count nothing)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total
