"""What a dry run needs from outside funnels, given by the composition root (as the engine's
Runtime is): the segment filters compiled to queries, and the shop its messages speak for."""

from __future__ import annotations

from dataclasses import dataclass

from funnels.engine.steps.batch import Narrow
from funnels.engine.ticks import Audience
from notifications.dispatch.composing import Shop


@dataclass(frozen=True)
class SimulationRuntime:
    """`audience`: the query of the customers a stored filter selects at a time;
    `narrow`: which of some customer ids a stored filter matches at a time (both
    funnels.segments' compiled filters, tessera/funnel_engine.py); `shop`: what messages
    are rendered with (its name, links), and the currency the liability is counted in."""

    audience: Audience
    narrow: Narrow
    shop: Shop
