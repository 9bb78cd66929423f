"""Two versions of the API head to head: the earn bench's requests against this checkout's
server and another revision's, in short phases that alternate, on one database.

    .venv/bin/python bench/compare.py --against REV [--phases 24] [--seconds 5] [--clients 32]

The machine's own speed drifts by a third from one run of `earn.py` to the next, so two
runs made one after the other cannot tell a change of a tenth apart. Here both servers run
side by side (`tessera serve --workers 2` each, the other revision from a temporary git
worktree, both with this checkout's Python environment) and the phases alternate
other, this, this, other, ..., so each phase of one is paired with the phase next to it of
the other and the drift falls on both. The figures: each side's requests a second and
server CPU a request, and the change of both over the pairs (this against the other).

The database is migrated by this checkout, so compare revisions whose code runs on its
schema (the other revision's migrations are not run)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import aiohttp

from earn import api_executor, seed_badges, seed_customers, workload
from harness import (
    add_common_arguments,
    create_token,
    drive,
    free_port,
    process_tree_cpu_s,
    run_on_fresh_database,
    running_server,
    wait_healthy,
)
from tessera.database import create_engine
from tessera.settings import PROJECT_ROOT

THIS, OTHER = "this", "other"


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """A checkout of `revision` in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tessera-compare-") as folder:
        path = Path(folder) / "tree"
        git = ["git", "-C", str(PROJECT_ROOT), "worktree"]
        subprocess.run([*git, "add", "--detach", str(path), revision], check=True)
        try:
            yield path
        finally:
            subprocess.run([*git, "remove", "--force", str(path)], check=True)


async def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = create_engine(database_url, pool_size=8)
    try:
        customer_ids = await seed_customers(engine, args.customers)
        await seed_badges(engine, args.badges)
    finally:
        await engine.dispose()
    token = await asyncio.to_thread(create_token, database_url)
    rows: dict[str, list[tuple[float, float]]] = {THIS: [], OTHER: []}
    errors = 0
    with ExitStack() as stack:
        other_root = stack.enter_context(worktree(args.against))
        ports = {THIS: free_port(), OTHER: free_port()}
        servers = {
            THIS: stack.enter_context(running_server(database_url, ports[THIS])),
            OTHER: stack.enter_context(running_server(database_url, ports[OTHER], other_root)),
        }
        async with aiohttp.ClientSession() as session:
            for side, server in servers.items():
                await wait_healthy(session, f"http://127.0.0.1:{ports[side]}", server)
        for n in range(args.phases):
            side = (OTHER, THIS, THIS, OTHER)[n % 4]
            execute = api_executor(ports[side], token, args.clients, args.keep_alive)
            cpu_before = process_tree_cpu_s(servers[side].pid)
            phase = await drive(execute, workload(customer_ids), f"compare-{n}", args)
            cpu_ms = (process_tree_cpu_s(servers[side].pid) - cpu_before) * 1000
            cpu_ms_per_req = cpu_ms / max(phase.issued, 1)
            rows[side].append((phase.rps, cpu_ms_per_req))
            errors += len(phase.errors)
            print(f"{n + 1:3} {side:5} {phase.rps:8.1f} req/s  server CPU {cpu_ms_per_req:.3f} ms")
    return report(args, rows, errors)


def report(
    args: argparse.Namespace, rows: dict[str, list[tuple[float, float]]], errors: int
) -> dict[str, Any]:
    pairs = list(zip(rows[OTHER], rows[THIS], strict=True))
    rps_change = statistics.median(this[0] / other[0] for other, this in pairs)
    cpu_change = statistics.median(this[1] - other[1] for other, this in pairs)
    figures = {
        side: (statistics.median(r for r, _ in side_rows), statistics.mean(c for _, c in side_rows))
        for side, side_rows in rows.items()
    }
    print(f"\n{len(pairs)} pairs of {args.seconds:g} s phases, {args.clients} clients")
    for side, (rps, cpu) in figures.items():
        name = "this checkout" if side == THIS else args.against
        print(f"{name:>20}: median {rps:7.1f} req/s, server CPU {cpu:.3f} ms a request")
    print(
        f"this against {args.against}: requests a second x{rps_change:.3f}, "
        f"server CPU {cpu_change:+.3f} ms a request (medians over the pairs)"
    )
    print(f"errors: {errors}")
    return {
        "bench": "compare",
        "against": args.against,
        "pairs": len(pairs),
        "this_rps": round(figures[THIS][0], 1),
        "other_rps": round(figures[OTHER][0], 1),
        "this_server_cpu_ms_per_req": round(figures[THIS][1], 3),
        "other_server_cpu_ms_per_req": round(figures[OTHER][1], 3),
        "rps_ratio": round(rps_change, 3),
        "server_cpu_ms_per_req_change": round(cpu_change, 3),
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--against", required=True, help="the git revision to compare with")
    parser.add_argument("--phases", type=int, default=24, help="phases in all (a multiple of 4)")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--badges", type=int, default=5, help="badges per basis, as earn.py")
    parser.set_defaults(seconds=5.0, warmup=1.0)
    args = parser.parse_args(argv)
    if args.phases < 4 or args.phases % 4:
        parser.error("--phases must be a positive multiple of 4")
    result = run_on_fresh_database("compare", lambda url: run(url, args))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
