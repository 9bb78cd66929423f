"""`tessera worker`: runs Dramatiq's worker processes on `tessera.actors`."""

from __future__ import annotations

import os

from dramatiq.cli import main as dramatiq_main
from dramatiq.cli import make_argument_parser

from tessera.embedded import ensure_broker_url, ensure_database_url
from tessera.settings import Settings

ACTORS_MODULE = "tessera.actors"


def run_worker(settings: Settings, processes: int = 1, threads: int = 4) -> int:
    """Run workers until they are stopped (SIGINT/SIGTERM); return Dramatiq's exit code.

    The broker and database URLs are resolved once here (starting embedded servers when none
    is configured) and exported, so that every worker process uses the same ones.
    """
    os.environ["TESSERA_BROKER_URL"] = ensure_broker_url(settings)
    os.environ["TESSERA_DATABASE_URL"] = ensure_database_url(settings)
    argv = [ACTORS_MODULE, "--processes", str(processes), "--threads", str(threads)]
    exit_code: int = dramatiq_main(make_argument_parser().parse_args(argv))
    return exit_code
