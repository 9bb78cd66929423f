"""A funnel helper for bench/funnel.py, in a process of its own: what the `advance_funnels`
actor does in another worker process (help_while_due: with a helper's slot, advance due
enrollments batch after batch until none is due), with the bench's runtime, its messages
made but not sent.

    .venv/bin/python bench/funnel_helper.py DATABASE_URL BATCH

Prints one JSON line: the step runs it made and the messages it would have sent."""

from __future__ import annotations

import asyncio
import sys

import orjson

from funnels.engine.running import LANES, help_while_due
from funnels.engine.steps.batch import Runtime
from notifications.dispatch.composing import Shop
from tessera.database import create_engine
from tessera.funnel_engine import VERSIONS, narrow

SHOP = Shop(name="Bottega Verde")
SLOTS = 64  # as many as the bench starts (it starts --processes - 1)


async def help_advance(database_url: str, batch: int) -> dict[str, int]:
    engine = create_engine(database_url, pool_size=1 + LANES)
    sent: list[int] = []
    try:
        done = await help_while_due(engine, VERSIONS, Runtime(SHOP, narrow), sent.extend,
                                    SLOTS, limit=batch)  # fmt: skip
    finally:
        await engine.dispose()
    return {"ran": 0 if done is None else done.ran, "messages": len(sent)}


if __name__ == "__main__":
    print(orjson.dumps(asyncio.run(help_advance(sys.argv[1], int(sys.argv[2])))).decode())
