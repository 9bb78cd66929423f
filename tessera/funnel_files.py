"""`tessera funnel validate | apply | export`: funnel definitions as JSON or YAML files, kept
in version control beside the shop's other configuration.

Files are read as JSON when their name ends in .json (or, without a known extension, when
they start with `{`), as YAML otherwise. YAML is read as JSON would read it: only
true/false are booleans (YAML 1.1 also reads yes, no, on and off so, which would turn a
branch's `yes:` into a key `True`), only plain decimal integers are numbers (not 9:00, read
as 540 in base 60) and times stay text."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from domain.errors import DomainError, Problem
from domain.uow import UnitOfWork
from funnels.definitions.filters import FilterCheck
from funnels.definitions.parsing import parse_definition
from funnels.definitions.queries import funnel_named, funnel_version
from funnels.definitions.references import check_references
from funnels.definitions.services import save_funnel

T = TypeVar("T")
RunWithUow = Callable[[Callable[[UnitOfWork], Awaitable[T]]], T]
MAX_FILE_BYTES = 1_000_000
ACTOR = "cli"


class FileUnreadable(Exception):
    """The file cannot be read as JSON or YAML (the message says where and why)."""


class _Loader(yaml.SafeLoader):
    """YAML read with JSON's scalars (see the module's docstring)."""


_DROPPED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


def load_file(path: Path) -> object:
    """The value a definition file holds; FileUnreadable when it holds none."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FileUnreadable(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FileUnreadable(f"{path}: {error}") from None
    as_json = path.suffix.lower() == ".json" or (
        path.suffix.lower() not in (".yaml", ".yml") and content.lstrip().startswith("{")
    )
    try:
        if as_json:
            return json.loads(content)
        return yaml.load(content, Loader=_Loader)
    except (ValueError, yaml.YAMLError, RecursionError) as error:
        kind = "JSON" if as_json else "YAML"
        raise FileUnreadable(f"{path}: not valid {kind}: {error}") from None


def dump(document: dict[str, Any], file_format: str) -> str:
    if file_format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def problem_lines(problems: list[Problem]) -> list[str]:
    return [f"{p.field or '(definition)'}: {p.message}" for p in problems]


def validate_file(path: Path, check_filter: FilterCheck, run: RunWithUow[Any]) -> list[str]:
    """Every problem of the file's definition as `path: reason` lines (none: valid),
    references checked in the database."""
    raw = load_file(path)
    definition, problems = parse_definition(raw, check_filter)
    if definition is None:
        return problem_lines(problems)

    async def references(uow: UnitOfWork) -> list[Problem]:
        async with uow:
            return await check_references(uow, definition)

    return problem_lines(run(references))


@dataclass(frozen=True)
class Applied:
    funnel_id: int
    version: int
    created: bool
    changed: bool


def apply_file(path: Path, check_filter: FilterCheck, run: RunWithUow[Any]) -> Applied:
    """Create the file's funnel, or save it as a new version of the funnel of that name
    (nothing when it equals the current version). DomainError with every problem."""
    raw = load_file(path)
    definition, problems = parse_definition(raw, check_filter)
    if definition is None:
        raise DomainError(problems)

    async def apply(uow: UnitOfWork) -> Applied:
        existing = await funnel_named(uow, definition.name)
        saved = await save_funnel(
            uow,
            raw,
            check_filter,
            idempotency_key=f"cli:{uuid.uuid4()}",
            actor=ACTOR,
            funnel_id=None if existing is None else str(existing.id),
        )
        return Applied(saved.funnel.id, saved.version.version, existing is None, saved.changed)

    result: Applied = run(apply)
    return result


def export_funnel(
    funnel_id: int, version: int | None, file_format: str, run: RunWithUow[Any]
) -> str | None:
    """A version of a funnel (its current one by default) in the file format; None when
    there is no such funnel or version."""

    async def read(uow: UnitOfWork) -> Any:
        return await funnel_version(uow, funnel_id, version)

    found = run(read)
    return None if found is None else dump(found[1].definition, file_format)
