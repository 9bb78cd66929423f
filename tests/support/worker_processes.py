"""Real `tessera worker` processes for tests that kill them: each one started in a process
group of its own (Dramatiq's main process and its worker processes), killed with SIGKILL as
a whole, and never left running after the test, whatever happens in it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

STOP_TIMEOUT_S = 10.0


def worker_command(processes: int = 1, threads: int = 1) -> list[str]:
    """The venv's `tessera worker`, or Dramatiq's own CLI on the actors when the entry point
    is not installed."""
    options = ["--processes", str(processes), "--threads", str(threads)]
    entry_point = Path(sys.executable).with_name("tessera")
    if entry_point.exists():
        return [str(entry_point), "worker", *options]
    return [sys.executable, "-m", "dramatiq", "tessera.actors", *options]


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def group(self) -> int:
        return self.process.pid  # started as the leader of a new session

    def kill(self) -> None:
        """SIGKILL to every process of the group (kill -9, no chance to clean up), and wait
        until none is left running."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.group, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while group_running(self.group):
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker process group {self.group} outlived SIGKILL")
            time.sleep(0.02)

    def log(self) -> str:
        """What the processes wrote (stdout and stderr), for a failing test's message."""
        return self.log_path.read_text(errors="replace")


def group_running(group: int) -> bool:
    """Whether a process of the group still runs (a zombie, dead but not yet reaped by its
    new parent, does not)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after it.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


@contextlib.contextmanager
def worker_processes(env: Mapping[str, str], log_dir: Path) -> Iterator[WorkerStarter]:
    """A starter of `tessera worker` processes with this environment; every one it started
    is killed when the block ends."""
    starter = WorkerStarter(dict(env), log_dir)
    try:
        yield starter
    finally:
        for worker in starter.started:
            worker.kill()


class WorkerStarter:
    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.started: list[WorkerProcess] = []

    def start(self) -> WorkerProcess:
        """A new `tessera worker` (one process, one thread: one message at a time)."""
        log_path = self.log_dir / f"worker-{len(self.started) + 1}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                worker_command(),
                env={**self.env, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = WorkerProcess(process, log_path)
        self.started.append(worker)
        return worker
