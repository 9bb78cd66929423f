"""When a failed delivery is tried again: Svix's schedule (5 s, 5 min, 30 min, 2 h, 5 h,
then every 10 h), each wait jittered, for up to 3 days after its first try (or its manual
redelivery); then it is given up (FAILED)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_SCHEDULE_S: tuple[float, ...] = (5, 300, 1_800, 7_200, 18_000, 36_000)
DEFAULT_WINDOW_S = 3 * 86_400.0


@dataclass(frozen=True)
class RetryPolicy:
    """`schedule_s[n]` is the wait after the (n+1)th failed attempt (the last one repeats);
    no retry would start later than `window_s` after the first try."""

    schedule_s: Sequence[float] = DEFAULT_SCHEDULE_S
    window_s: float = DEFAULT_WINDOW_S

    def wait_after(self, failed_attempts: int, draw: float | None = None) -> timedelta:
        """The wait before the next attempt: the step's value less a random part of up to
        half of it (so the receiver's clients, failed together, do not all come back
        together, and no wait collapses to nothing). `draw` in [0, 1) fixes the random part."""
        steps = self.schedule_s or DEFAULT_SCHEDULE_S
        base = steps[min(max(failed_attempts, 1), len(steps)) - 1]
        part = random.random() if draw is None else draw
        return timedelta(seconds=base * (1 - part / 2))

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_s)


def parse_schedule(raw: str | None) -> tuple[float, ...]:
    """The setting's seconds, separated by commas (ValueError on a bad or negative one)."""
    if not raw or not raw.strip():
        return DEFAULT_SCHEDULE_S
    steps = tuple(float(part) for part in raw.split(","))
    if any(step < 0 for step in steps):
        raise ValueError("retry waits are seconds, 0 or more")
    return steps
