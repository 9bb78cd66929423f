"""`tessera serve | worker | scheduler | migrate | demo | token | user | funnel | audit |
expire-holds | expire-points | run-gifts | evaluate-tiers | resync-badges | rollup-ledger |
compute-rfm | import | stop-embedded | graphiql-assets` (`user`'s commands are in
tessera/user_cli.py, the jobs' in tessera/job_cli.py, `import`'s in tessera/import_cli.py)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from tessera.import_cli import ImportCommands
from tessera.job_cli import JobCommands
from tessera.settings import Settings
from tessera.user_cli import UserCommands

if TYPE_CHECKING:
    from domain.uow import UnitOfWork

T = TypeVar("T")


def _database_url(settings: Settings) -> str:
    from tessera.embedded import EmbeddedPostgresUnavailable, ensure_database_url

    try:
        url = ensure_database_url(settings)
    except EmbeddedPostgresUnavailable as error:
        raise SystemExit(f"error: {error}") from None
    # Worker processes (uvicorn --workers, dramatiq) read the URL from the environment.
    os.environ["TESSERA_DATABASE_URL"] = url
    return url


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from tessera.migrate import upgrade

    upgrade(_database_url(settings), args.revision)
    print("database is at revision", args.revision)
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from tessera.listening import PortUnavailable, check_port

    try:
        check_port(args.host, args.port)
    except PortUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _database_url(settings)
    uvicorn.run(
        "tessera.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
    )
    return 0


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    from domain.access.tokens import create_staff_token
    from domain.errors import DomainError

    def create(uow: UnitOfWork) -> Awaitable[str]:
        return create_staff_token(uow, args.role, args.name or args.role)

    try:
        token = _run_with_uow(settings, create)
    except DomainError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Created a {args.role} token. Send it as 'Authorization: Bearer <token>':")
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace, settings: Settings) -> int:
    from domain.access.tokens import list_staff_tokens

    tokens = _run_with_uow(settings, list_staff_tokens)
    print(f"{'id':>5}  {'role':<9} {'created (UTC)':<20} {'revoked (UTC)':<20} name")
    for t in tokens:
        revoked = f"{t.revoked_at:%Y-%m-%d %H:%M:%S}" if t.revoked_at else "-"
        print(f"{t.id:>5}  {t.role:<9} {t.created_at:%Y-%m-%d %H:%M:%S}  {revoked:<20} {t.name}")
    return 0


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from domain.access.tokens import revoke_staff_token

    def revoke(uow: UnitOfWork) -> Awaitable[bool]:
        return revoke_staff_token(uow, args.id)

    if _run_with_uow(settings, revoke):
        print(f"token {args.id} revoked (API processes stop accepting it within 30 s)")
        return 0
    print(f"error: no active token {args.id}", file=sys.stderr)
    return 2


def _run_with_uow(settings: Settings, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    from tessera.database import run_with_uow

    return run_with_uow(_database_url(settings), work)


def cmd_funnel(args: argparse.Namespace, settings: Settings) -> int:
    """validate | apply | export (the logic is tessera/funnel_files.py's)."""
    from pathlib import Path

    from domain.errors import DomainError
    from tessera import funnel_files as files
    from tessera.funnel_filters import CHECK_FILTER

    def run(work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        return _run_with_uow(settings, work)

    try:
        if args.funnel_command == "export":
            text = files.export_funnel(args.id, args.version, args.format, run)
            if text is None:
                print(f"error: no funnel {args.id} with that version", file=sys.stderr)
                return 2
            sys.stdout.write(text)
            return 0
        if args.funnel_command == "validate":
            lines = files.validate_file(Path(args.file), CHECK_FILTER, run)
            print("\n".join(lines) if lines else f"{args.file}: valid")
            return 1 if lines else 0
        applied = files.apply_file(Path(args.file), CHECK_FILTER, run)
    except files.FileUnreadable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print("\n".join(files.problem_lines(list(error.problems))))
        return 1
    what = "created" if applied.created else "saved" if applied.changed else "unchanged:"
    print(f"funnel {applied.funnel_id} {what} version {applied.version}")
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from tessera.worker import run_worker

    return run_worker(settings, processes=args.processes, threads=args.threads)


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from tessera.scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    return run_scheduler(settings)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from tessera.demo import run_demo
    from tessera.listening import PortUnavailable, listening_socket

    # The port first: a busy one is said before the database starts or a token is printed.
    try:
        listening = listening_socket(args.host, args.port)
    except PortUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with listening:
        return run_demo(settings, _database_url(settings), args.host, listening)


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from domain.audit import audit
    from tessera.database import run_with_engine

    violations = run_with_engine(_database_url(settings), audit)
    for violation in violations:
        print(violation)
    print(f"{len(violations)} invariant violation(s)")
    return 1 if violations else 0


def cmd_graphiql_assets(args: argparse.Namespace, settings: Settings) -> int:
    from tessera.graphiql import ASSETS_DIR, NPM_REGISTRY, AssetError, fetch_assets

    try:
        fetched = fetch_assets(ASSETS_DIR, registry=args.registry or NPM_REGISTRY)
    except AssetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"GraphiQL's scripts are in {ASSETS_DIR} ({len(fetched)} file(s) fetched)")
    return 0


def cmd_stop_embedded(args: argparse.Namespace, settings: Settings) -> int:
    from tessera.embedded import stop_embedded

    stopped = stop_embedded(settings)
    print("stopped: " + ", ".join(stopped) if stopped else "no embedded server was running")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="tessera", description="Tessera loyalty points service")
    sub = root.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(run=cmd_migrate)

    demo = sub.add_parser("demo", help="migrate, load demo data, print a token, and serve")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(run=cmd_demo)

    token = sub.add_parser("token", help="staff API tokens").add_subparsers(
        dest="token_command", required=True
    )
    create = token.add_parser("create", help="create a staff API token")
    create.add_argument("--role", required=True, help="admin, manager, cashier, marketer or viewer")
    create.add_argument("--name", default=None)
    create.set_defaults(run=cmd_token_create)
    token.add_parser("list", help="list staff tokens (never the tokens themselves)").set_defaults(
        run=cmd_token_list
    )
    revoke = token.add_parser("revoke", help="revoke a staff token by id")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=cmd_token_revoke)

    UserCommands(_run_with_uow).add_to(sub)

    funnel = sub.add_parser(
        "funnel", help="funnel definitions as JSON or YAML files (docs/funnels.md)"
    ).add_subparsers(dest="funnel_command", required=True)
    validate = funnel.add_parser(
        "validate", help="print each problem of a definition file as 'path: reason'"
    )
    validate.add_argument("file")
    validate.set_defaults(run=cmd_funnel)
    apply = funnel.add_parser(
        "apply", help="create the file's funnel, or save a new version of the one of that name"
    )
    apply.add_argument("file")
    apply.set_defaults(run=cmd_funnel)
    export = funnel.add_parser("export", help="print a funnel's definition (current version)")
    export.add_argument("id", type=int)
    export.add_argument("--version", type=int, default=None)
    export.add_argument("--format", choices=("yaml", "json"), default="yaml")
    export.set_defaults(run=cmd_funnel)

    worker = sub.add_parser("worker", help="run the Dramatiq worker")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=4)
    worker.set_defaults(run=cmd_worker)

    scheduler = sub.add_parser(
        "scheduler",
        help="send the periodic jobs (holds, points expiry, gifts, tiers, badge re-syncs, audit) "
        "to the workers",
    )
    scheduler.set_defaults(run=cmd_scheduler)

    audit = sub.add_parser("audit", help="check the ledger's invariants")
    audit.set_defaults(run=cmd_audit)

    JobCommands(_run_with_uow).add_to(sub)
    ImportCommands(_run_with_uow).add_to(sub)

    stop = sub.add_parser("stop-embedded", help="stop the embedded PostgreSQL and Redis")
    stop.set_defaults(run=cmd_stop_embedded)

    assets = sub.add_parser(
        "graphiql-assets",
        help="fetch GraphiQL's scripts from the npm registry, so GraphiQL works offline",
    )
    assets.add_argument("--registry", help="the npm registry (default https://registry.npmjs.org)")
    assets.set_defaults(run=cmd_graphiql_assets)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args, Settings.from_env()))


if __name__ == "__main__":
    sys.exit(main())
