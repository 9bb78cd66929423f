"""The event types a subscription may choose: every domain event (domain/events/types.py),
named in the payload as Standard Webhooks' consumers expect a type, in upper snake case
(PointsEarned is POINTS_EARNED)."""

from __future__ import annotations

import re

from domain.events import types
from domain.events.store import DomainEvent

_WORD = re.compile(r"(?<!^)(?=[A-Z])")


def type_name(event_class_name: str) -> str:
    """The webhook type of an event class's name: PointsEarned is POINTS_EARNED."""
    return _WORD.sub("_", event_class_name).upper()


# Class name (the events table's `type`) -> webhook type, in the order the classes are
# declared: the registry is the module of event classes itself.
WEBHOOK_TYPES: dict[str, str] = {
    cls.__name__: type_name(cls.__name__)
    for cls in vars(types).values()
    if isinstance(cls, type) and issubclass(cls, DomainEvent) and cls is not DomainEvent
}
EVENT_TYPES: tuple[str, ...] = tuple(WEBHOOK_TYPES.values())
