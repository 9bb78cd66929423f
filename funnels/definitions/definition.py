"""A funnel definition as a value: what a marketer saved, checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from funnels.definitions.entry import Entry, ExitCondition
from funnels.definitions.steps import Step


@dataclass(frozen=True)
class FunnelDefinition:
    name: str
    entry: Entry
    start: str
    steps: tuple[Step, ...]
    description: str | None = None
    exit: ExitCondition | None = None

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def document(self) -> dict[str, Any]:
        """The definition in its file format, keys in a stable order: stored as the
        version's JSONB and exported as JSON or YAML, it parses back into this value."""
        body: dict[str, Any] = {"name": self.name}
        if self.description is not None:
            body["description"] = self.description
        body["entry"] = self.entry.document()
        if self.exit is not None:
            body["exit"] = self.exit.document()
        body["start"] = self.start
        body["steps"] = [s.document() for s in self.steps]
        return body
