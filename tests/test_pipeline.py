"""Given the source tree, when its code is read, then every write transaction is committed by
the command pipeline (domain.commands.run) and no resolver opens a unit of work."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Where a transaction may be committed: the unit of work itself and the one entry for writes.
COMMITS_ALLOWED = {"domain/uow.py", "domain/commands.py"}
# Modules exempt from the rules below (none: every write runs through the pipeline).
NOT_YET_CONVERTED: set[str] = set()


def commits(tree: ast.AST) -> list[int]:
    """Lines calling `<anything>.commit()`."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


def units_of_work_opened(tree: ast.AST) -> list[int]:
    """Lines of `async with <anything>.new_uow() ...`: a unit of work opened in place."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncWith)
        for item in node.items
        if isinstance(item.context_expr, ast.Call)
        and isinstance(item.context_expr.func, ast.Attribute)
        and item.context_expr.func.attr == "new_uow"
    ]


def offences(layer: str, find: Callable[[ast.AST], list[int]]) -> list[str]:
    found = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in NOT_YET_CONVERTED:
            continue
        found += [f"{name}:{line}" for line in find(ast.parse(path.read_text(), filename=name))]
    return found


def test_only_the_command_pipeline_commits() -> None:
    found = [
        o
        for layer in ("domain", "schema", "tessera")
        for o in offences(layer, commits)
        if o.split(":")[0] not in COMMITS_ALLOWED
    ]
    assert found == []


def test_resolvers_never_open_a_unit_of_work() -> None:
    assert offences("schema", units_of_work_opened) == []


def test_the_walkers_see_a_commit_and_a_unit_of_work_opened() -> None:
    tree = ast.parse(
        "async def f(info, uow):\n"
        "    async with info.context.new_uow() as u:\n"
        "        await u.commit()\n"
    )
    assert (commits(tree), units_of_work_opened(tree)) == ([3], [2])
