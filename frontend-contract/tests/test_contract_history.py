"""Which committed schema the breaking-change check compares with, in the git histories it
meets: a branch, main itself, CI's fresh clone of main, a clone without a local main, and
clones with too little history."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from contract_history import NoHistory, baseline

SCHEMA = "frontend-contract/schema.graphql"
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def commit_schema(repo: Path, sdl: str) -> str:
    path = repo / SCHEMA
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sdl)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", sdl.strip())
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def main_repo(tmp_path: Path) -> Path:
    """A repository whose main holds two commits: schema v1, then v2."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit_schema(repo, "type Query { v1: Int }\n")
    commit_schema(repo, "type Query { v1: Int v2: Int }\n")
    return repo


def test_on_a_branch_the_base_is_where_it_left_main(main_repo: Path) -> None:
    # Given a branch made from main, which then moved on, with commits of its own
    fork = git(main_repo, "rev-parse", "HEAD")
    git(main_repo, "checkout", "-q", "-b", "feature")
    commit_schema(main_repo, "type Query { v2: Int }\n")
    git(main_repo, "checkout", "-q", "main")
    commit_schema(main_repo, "type Query { v1: Int v2: Int v3: Int }\n")
    git(main_repo, "checkout", "-q", "feature")

    # When the base is looked for, then it is the fork point, with main's schema there
    found = baseline(main_repo / SCHEMA)

    assert (found.commit, found.sdl) == (fork, "type Query { v1: Int v2: Int }\n")
    assert "left main" in found.why


def test_on_main_the_base_is_heads_parent(main_repo: Path) -> None:
    # Given HEAD is main itself, with the change under test in its last commit
    parent = git(main_repo, "rev-parse", "HEAD^")

    found = baseline(main_repo / SCHEMA)

    # Then the change is judged against main before it
    assert (found.commit, found.sdl) == (parent, "type Query { v1: Int }\n")


def test_in_a_fresh_clone_of_main_as_ci_makes_the_base_is_heads_parent(
    main_repo: Path, tmp_path: Path
) -> None:
    # Given `git clone` of main: HEAD, main and origin/main are the same commit
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(main_repo), str(clone))

    found = baseline(clone / SCHEMA)

    assert found.commit == git(main_repo, "rev-parse", "HEAD^")
    assert found.why == "HEAD's parent"


def test_without_a_local_main_origin_main_is_used(main_repo: Path, tmp_path: Path) -> None:
    # Given a clone checked out on a branch of its own, and no local main
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(main_repo), str(clone))
    git(clone, "checkout", "-q", "-b", "feature")
    git(clone, "branch", "-q", "-D", "main")
    commit_schema(clone, "type Query { v1: Int v2: Int v9: Int }\n")

    found = baseline(clone / SCHEMA)

    assert found.commit == git(main_repo, "rev-parse", "HEAD")
    assert "origin/main" in found.why


def test_a_schema_that_did_not_exist_at_the_base_has_no_baseline(tmp_path: Path) -> None:
    # Given main's last commit adds the schema file to a repository that had none
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README").write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    commit_schema(repo, "type Query { v1: Int }\n")

    assert baseline(repo / SCHEMA).sdl is None


def test_a_single_commit_or_a_shallow_clone_has_no_history(main_repo: Path, tmp_path: Path) -> None:
    # Given a clone of depth 1: HEAD's parent is not there
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{main_repo}", str(shallow))

    with pytest.raises(NoHistory, match="no parent"):
        baseline(shallow / SCHEMA)


def test_outside_a_git_checkout_there_is_no_history(tmp_path: Path) -> None:
    path = tmp_path / SCHEMA
    path.parent.mkdir(parents=True)
    path.write_text("type Query { v1: Int }\n")

    with pytest.raises(NoHistory):
        baseline(path)
