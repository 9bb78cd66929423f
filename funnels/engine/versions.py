"""The definitions the engine runs, by funnel and version, read once per process: a saved
version never changes, so the parsed value can be kept for the process's life."""

from __future__ import annotations

from collections.abc import Sequence

from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.filters import FilterCheck
from funnels.definitions.parsing import parse_definition
from funnels.definitions.queries import version_in


class VersionCache:
    """Parsed definitions by (funnel id, version). The stored definition was checked when
    it was saved; a version that no longer parses (a rule made stricter since) is left out,
    and the engine fails its enrollments with STEP_UNKNOWN rather than guess."""

    def __init__(self, check_filter: FilterCheck) -> None:
        self._check_filter = check_filter
        self._known: dict[tuple[int, int], FunnelDefinition] = {}

    async def __call__(
        self, uow: UnitOfWork, keys: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], FunnelDefinition]:
        for funnel_id, version in keys:
            if (funnel_id, version) in self._known:
                continue
            stored = await version_in(uow, funnel_id, version)
            if stored is None:
                continue
            definition, _ = parse_definition(stored.definition, self._check_filter)
            if definition is not None:
                self._known[(funnel_id, version)] = definition
        return {key: self._known[key] for key in keys if key in self._known}
