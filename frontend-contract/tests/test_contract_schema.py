"""The committed SDL and the frontends' operations agree with the schema the server runs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import graphql
import pytest
from contract_history import NoHistory, baseline
from contract_support import (
    ACCEPTED_BREAKING_PATH,
    OPERATIONS_DIR,
    REGENERATE,
    SCHEMA_PATH,
    operation_files,
)
from strawberry.printer import print_schema

from schema.root import build_schema


@pytest.fixture(scope="module")
def current_sdl() -> str:
    # `python -m schema.export` prints print_schema's text plus a newline.
    return print_schema(build_schema()) + "\n"


@pytest.fixture(scope="module")
def committed_sdl() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


def test_schema_is_current(current_sdl: str, committed_sdl: str) -> None:
    # Given the schema the code builds, then the committed contract says exactly the same.
    assert current_sdl == committed_sdl, (
        f"frontend-contract/schema.graphql is stale; regenerate it with `{REGENERATE}` "
        "and review the diff"
    )


def test_no_breaking_changes(current_sdl: str) -> None:
    # Given the contract as committed on main before this change (contract_history: where
    # the branch left main, or HEAD's parent on main itself), when the schema changed since,
    # then nothing frontends may rely on was removed or narrowed (additions are fine), but
    # for the breaking changes accepted on purpose.
    try:
        base = baseline(SCHEMA_PATH)
    except NoHistory as error:
        pytest.skip(f"no git history to compare the schema with: {error}")
    if base.sdl is None:
        pytest.skip(f"schema.graphql did not exist at {base.commit[:12]} ({base.why})")
    changes = [
        f"{change.type.name}: {change.description}"
        for change in graphql.find_breaking_changes(
            graphql.build_schema(base.sdl), graphql.build_schema(current_sdl)
        )
    ]
    accepted = accepted_breaking_changes()
    unaccepted = [change for change in changes if change not in accepted]
    assert not unaccepted, (
        f"breaking changes against frontend-contract/schema.graphql at {base.commit[:12]} "
        f"({base.why}):\n" + "\n".join(f"- {change}" for change in unaccepted)
    )


def accepted_breaking_changes() -> set[str]:
    """The lines of accepted-breaking-changes.txt, without comments and leading dashes."""
    lines = ACCEPTED_BREAKING_PATH.read_text(encoding="utf-8").splitlines()
    return {line.strip().removeprefix("- ") for line in lines if line.strip()[:1] not in ("", "#")}


def test_there_are_operations_for_every_frontend() -> None:
    # Given the frontends, then each has its operations in the contract.
    areas = {path.relative_to(OPERATIONS_DIR).parts[0] for path in operation_files()}
    assert areas == {"admin", "console", "customer-area", "marketer", "pos"}


@pytest.mark.parametrize(
    "path", operation_files(), ids=lambda p: str(p.relative_to(OPERATIONS_DIR))
)
def test_operations_are_valid(path: Path, current_sdl: str, committed_sdl: str) -> None:
    # Given an operation a frontend sends, then it parses, is one named operation called
    # like its file, and validates against both the committed and the running schema.
    document = graphql.parse(path.read_text(encoding="utf-8"))
    operations = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    assert len(operations) == 1, f"{path.name}: expected one operation, found {len(operations)}"
    (only,) = operations
    assert only.name is not None, f"{path.name}: the operation has no name"
    assert only.name.value == path.stem, f"{path.name}: the operation is named {only.name.value}"
    for sdl in (committed_sdl, current_sdl):
        errors = graphql.validate(graphql.build_schema(sdl), document)
        assert errors == [], [error.message for error in errors]


def test_operation_names_are_unique() -> None:
    # Given generated client code keys operations by name, then no two files share one.
    names = Counter(path.stem for path in operation_files())
    assert [name for name, count in names.items() if count > 1] == []
