"""The mapping that moves the customers inside a funnel onto its new version: each step id
of the previous version to the step of the new version where they continue. Checked when
the version is saved; the engine applies it."""

from __future__ import annotations

from typing import Any

from domain.errors import ErrorCode, Problems
from funnels.definitions import fields as f
from funnels.definitions.definition import FunnelDefinition


def check_migration(
    problems: Problems, raw: object, previous: dict[str, Any], new: FunnelDefinition
) -> dict[str, str] | None:
    """{old step id: new step id} covering every step of `previous` (a stored definition),
    each new id a step of `new`; problems on `migration.<old id>`."""
    mapping = f.obj(problems, "migration", raw)
    if mapping is None:
        return None
    old_ids = [str(s.get("id")) for s in previous.get("steps", []) if isinstance(s, dict)]
    new_ids = {s.id for s in new.steps}
    checked: dict[str, str] = {}
    for old, target in mapping.items():
        path = f"migration.{old[:64]}"
        if old not in old_ids:
            problems.add(path, ErrorCode.NOT_FOUND, "The previous version has no such step.")
            continue
        if not isinstance(target, str) or target not in new_ids:
            problems.add(path, ErrorCode.NOT_FOUND, "Map it to a step id of the new version.")
            continue
        checked[old] = target
    for old in old_ids:
        if old not in mapping:
            problems.add(
                f"migration.{old}",
                ErrorCode.REQUIRED,
                "Say where the customers waiting at this step continue.",
            )
    return checked
