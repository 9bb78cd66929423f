"""The schema a change is judged against: `schema.graphql` as committed before the change on
main, read with git.

The rule (frontend-contract/README.md): on a branch, the base is where the branch left main
(`git merge-base HEAD main`, or `origin/main` when there is no local `main`); on main itself,
as in CI's fresh clone of main where HEAD is main, the base is HEAD's first parent, i.e. main
before the last commit or merge landed. Comparing with the working tree's own copy would
compare the schema with itself once it is regenerated."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

MAIN_REFS = ("main", "origin/main")


class NoHistory(Exception):
    """git, the repository or the commits needed to find the base are not available."""


@dataclass(frozen=True)
class Baseline:
    commit: str
    why: str  # how the commit was chosen, for messages
    sdl: str | None  # the file at that commit; None when it did not exist yet


def baseline(path: Path) -> Baseline:
    """The committed copy of `path` (a file in a git checkout) to compare the current one with."""
    top = Path(_git(path.parent, "rev-parse", "--show-toplevel"))
    relative = path.resolve().relative_to(top.resolve()).as_posix()
    commit, why = _base_commit(top)
    try:
        sdl: str | None = _git(top, "show", f"{commit}:{relative}", strip=False)
    except NoHistory:
        sdl = None
    return Baseline(commit=commit, why=why, sdl=sdl)


def _base_commit(top: Path) -> tuple[str, str]:
    head = _git(top, "rev-parse", "HEAD")
    for ref in MAIN_REFS:
        try:
            main = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
            fork = _git(top, "merge-base", "HEAD", main)
        except NoHistory:
            continue  # no such ref, or no common history with it
        if fork != head:
            return fork, f"where this branch left {ref}"
        break  # HEAD is on main: judge the last commit against its parent
    try:
        return _git(top, "rev-parse", "--verify", "--quiet", "HEAD^"), "HEAD's parent"
    except NoHistory:
        raise NoHistory(
            "HEAD has no parent in this clone (a single commit or a shallow clone; "
            "fetch more history, e.g. `git fetch --deepen=1`)"
        ) from None


def _git(cwd: Path, *args: str, strip: bool = True) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
        )
    except FileNotFoundError:
        raise NoHistory("git is not installed") from None
    except subprocess.CalledProcessError as error:
        raise NoHistory(f"`git {' '.join(args)}` failed: {error.stderr.strip()}") from None
    return done.stdout.strip() if strip else done.stdout
