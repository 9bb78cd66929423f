"""Given the source tree, when its imports are read, then no layer imports a forbidden one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "data_protection": {"schema", "tessera"},
    "domain": {"schema", "funnels", "notifications", "tessera", "data_protection"},
    "funnels": {"schema", "data_protection"},
    "notifications": {"schema", "tessera", "data_protection"},
    "schema": {"tessera"},
    "webhooks": {"schema", "tessera"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_forbidden(layer: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {package}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for package in sorted(imported_packages(path) & FORBIDDEN[layer])
    ]
    assert offences == []


def test_the_walker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("from schema.root import build_schema\nimport tessera.app\n")
    assert imported_packages(module) == {"schema", "tessera"}
