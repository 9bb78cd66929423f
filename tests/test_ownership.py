"""Given the domain's source, when each area's code is read, then it names only its own tables.

Each table belongs to the area whose `tables.py` defines it (domain/<area>/tables.py). Another
area reads or writes it only through what the owner exports: functions of its modules, and
SQL fragments or SQLAlchemy Core selectables, by convention in the owner's `sql.py`, which
another area may embed in its own statement (so a hot path stays one round trip). So no
module of an area may import another area's `tables` module, nor name another area's table
in its SQL text. `domain/tables.py` and `domain/metadata.py` gather every table for Alembic
(notifications/tables.py the notifications' ones) and are exempt; a `tables.py` may name
other areas' tables in its foreign keys (those are declarations, not reads); a module
directly under domain/ is an area of its own, with no tables. notifications/ and funnels/
are read the same way: notifications/<area>/tables.py (notifications/store,
notifications/delivery) and funnels/<area>/tables.py (funnels/definitions) own their tables,
and their modules are checked like the domain's (they read customers, points, badges and
templates through those areas' functions)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXEMPT = {
    "domain/tables.py",
    "domain/metadata.py",
    "notifications/tables.py",
    "funnels/tables.py",
}
# A string that holds one of these words (upper case, as SQL is written here) is SQL; prose
# (error messages, docstrings) does not shout them.
SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|INTO|TABLE|WHERE|USING|RETURNING)\b"
)
_COMMENTS = re.compile(r"--[^\n]*")
_LITERALS = re.compile(r"'[^']*'")


def table_owners(domain: Path, *more: Path) -> dict[str, str]:
    """Table name -> the area whose tables.py defines it (`Table("name", ...)`), in `domain`
    and in each of `more` (another layer's areas: notifications/store)."""
    owners: dict[str, str] = {}
    tables = [path for layer in (domain, *more) for path in sorted(layer.glob("*/tables.py"))]
    for path in tables:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Table"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                owners[str(node.args[0].value)] = area_of(path, path.parent.parent)
    return owners


def area_of(path: Path, domain: Path) -> str:
    """domain/<area>/... is <area>; a module directly under domain/ is an area of its own;
    another layer's areas are named with it (notifications/store/... is notifications.store)."""
    parts = path.relative_to(domain).parts
    area = parts[0] if len(parts) > 1 else path.stem
    return area if domain.name == "domain" else f"{domain.name}.{area}"


def _docstrings(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _tables_imported(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, area) of every import of an area's tables module (domain.<area>.tables, or
    notifications.<area>.tables: area notifications.<area>)."""

    def area(parts: list[str]) -> str:
        return parts[1] if parts[0] == "domain" else f"{parts[0]}.{parts[1]}"

    layers = ("domain", "notifications", "funnels")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] in layers and len(parts) == 3 and parts[2] == "tables":
                yield node.lineno, area(parts)
            if parts[0] in layers and len(parts) == 2:
                for alias in node.names:
                    if alias.name == "tables":
                        yield node.lineno, area(parts)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in layers and len(parts) == 3 and parts[2] == "tables":
                    yield node.lineno, area(parts)


def _module(owner: str) -> str:
    return f"{owner}.tables" if "." in owner else f"domain.{owner}.tables"


def tables_named_in_sql(sql: str, owners: dict[str, str]) -> set[str]:
    """The tables a piece of SQL names: comments and quoted literals left out, and neither a
    column (`x.name`) nor an alias (`AS name`) counted."""
    if not SQL_WORDS.search(sql):
        return set()
    bare = _LITERALS.sub("''", _COMMENTS.sub("", sql))
    names = "|".join(sorted(owners, key=len, reverse=True))
    return set(re.findall(rf"(?<![.\w])(?<!AS )({names})\b", bare))


def offences(path: Path, domain: Path, owners: dict[str, str]) -> list[str]:
    """Where a module names a table another area owns."""
    area = area_of(path, domain)
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(domain.parent)
    found = [
        f"{where}:{line} imports {_module(owner)}"
        for line, owner in _tables_imported(tree)
        if owner != area
    ]
    if path.name == "tables.py":
        return found  # its foreign keys name the tables they refer to
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            for table in sorted(tables_named_in_sql(node.value, owners)):
                if owners[table] != area:
                    found.append(f"{where}:{node.lineno} names {owners[table]}'s {table}")
    return found


def test_each_area_names_only_its_own_tables() -> None:
    domain, notifications, funnels = ROOT / "domain", ROOT / "notifications", ROOT / "funnels"
    owners = table_owners(domain, notifications, funnels)
    assert {"point_accounts", "holds", "purchases", "vouchers", "domain_events"} <= set(owners)
    assert owners["message_templates"] == "notifications.store"
    assert owners["message_template_versions"] == "notifications.store"
    assert owners["funnel_versions"] == "funnels.definitions"
    found = [
        offence
        for layer in (domain, notifications, funnels)
        for path in sorted(layer.rglob("*.py"))
        if str(path.relative_to(ROOT)) not in EXEMPT
        for offence in offences(path, layer, owners)
    ]
    assert found == []


def test_the_walker_catches_a_foreign_table_in_sql_or_in_an_import(tmp_path: Path) -> None:
    # Given two areas, each owning a table
    domain = tmp_path / "domain"
    for area, table in (("shop", "orders"), ("ledger", "accounts")):
        (domain / area).mkdir(parents=True)
        (domain / area / "tables.py").write_text(f'{table} = Table("{table}", metadata)\n')
    owners = table_owners(domain)
    assert owners == {"orders": "shop", "accounts": "ledger"}
    # When the shop's module reads the ledger's table by import and by SQL text
    module = domain / "shop" / "reads.py"
    module.write_text(
        '"""Reads accounts FROM the ledger (a docstring is prose)."""\n'
        "from domain.ledger.tables import accounts\n"
        "from domain.ledger import tables\n"
        "import domain.ledger.tables\n"
        'OWN = "SELECT id FROM orders o JOIN ledger_view v ON v.id = o.id"\n'
        'FOREIGN = f"""SELECT a.balance FROM orders o\n'
        '  JOIN accounts a ON a.id = o.id -- accounts again, in a comment\n"""\n'
        'NOT_SQL = "the accounts of customers"\n'
        "ALIAS = \"SELECT count(*) AS accounts, o.accounts FROM orders o WHERE o.x = 'accounts'\"\n"
    )
    # Then each offence is found, and nothing else
    assert offences(module, domain, owners) == [
        "domain/shop/reads.py:2 imports domain.ledger.tables",
        "domain/shop/reads.py:3 imports domain.ledger.tables",
        "domain/shop/reads.py:4 imports domain.ledger.tables",
        "domain/shop/reads.py:6 names ledger's accounts",
    ]
