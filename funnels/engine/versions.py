"""The definitions the engine runs, by funnel and version, read once per process: a saved
version never changes, so the parsed value can be kept for the process's life."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from domain.gifts.cron import crontab_problem
from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.entry import ScheduleTrigger
from funnels.definitions.filters import FilterCheck
from funnels.definitions.parsing import parse_definition
from funnels.definitions.queries import version_in

logger = logging.getLogger("tessera.funnels")


class VersionCache:
    """Parsed definitions by (funnel id, version). The stored definition was checked when
    it was saved; a version that no longer parses (a rule made stricter since) is left out,
    and the engine fails its enrollments with STEP_UNKNOWN rather than guess. A schedule's
    cron refused since it was saved is no such rule: the version is kept, its schedule
    never fires (domain.gifts.cron) and a warning says so, once per process."""

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
            definition, _ = parse_definition(stored.definition, self._check_filter, saved=True)
            if definition is not None:
                _warn_if_never_fires(funnel_id, version, definition)
                self._known[(funnel_id, version)] = definition
        return {key: self._known[key] for key in keys if key in self._known}


def _warn_if_never_fires(funnel_id: int, version: int, definition: FunnelDefinition) -> None:
    trigger = definition.entry.trigger
    if isinstance(trigger, ScheduleTrigger):
        refused = crontab_problem(trigger.cron)
        if refused is not None:
            logger.warning("funnel %d v%d: its schedule never fires, its cron is refused: %s",
                           funnel_id, version, refused)  # fmt: skip
