"""The status transitions a marketer may make: DRAFT -> ACTIVE, ACTIVE <-> PAUSED, and any
status -> ARCHIVED, which is final. Asking for the status a funnel already has is answered
with the funnel as it is (a retried click changes nothing); any other move is a user error."""

from __future__ import annotations

from enum import StrEnum

from funnels.definitions.models import FunnelStatus


class Transition(StrEnum):
    ACTIVATE = "ACTIVATE"
    PAUSE = "PAUSE"
    RESUME = "RESUME"
    ARCHIVE = "ARCHIVE"


S = FunnelStatus
# transition -> (the statuses it leaves from, the status it reaches)
MOVES: dict[Transition, tuple[frozenset[FunnelStatus], FunnelStatus]] = {
    Transition.ACTIVATE: (frozenset({S.DRAFT}), S.ACTIVE),
    Transition.PAUSE: (frozenset({S.ACTIVE}), S.PAUSED),
    Transition.RESUME: (frozenset({S.PAUSED}), S.ACTIVE),
    Transition.ARCHIVE: (frozenset({S.DRAFT, S.ACTIVE, S.PAUSED}), S.ARCHIVED),
}


def refusal(transition: Transition, status: FunnelStatus) -> str | None:
    """Why `transition` cannot be made from `status` (None: it can, or it is already there)."""
    sources, target = MOVES[transition]
    if status is target or status in sources:
        return None
    if status is S.ARCHIVED:
        return "The funnel is archived: archiving is final."
    allowed = " or ".join(sorted(s.value for s in sources))
    done = {"ACTIVATE": "activated", "PAUSE": "paused", "RESUME": "resumed"}[transition.value]
    return f"A {status.value} funnel cannot be {done}: only a {allowed} one can."
