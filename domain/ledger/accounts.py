"""A customer's balance row: opening it; locking a run of them; waiting for the balance writes
in flight.

Other areas reach the balance rows through these functions and through domain/ledger/sql.py
(reads); the ledger's postings (posting.py) and holds (holding.py) change them."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import insert, text

from domain.ledger.tables import point_accounts
from domain.uow import OneStatement, UnitOfWork


async def open_account(uow: UnitOfWork, customer_id: int) -> None:
    """The new customer's balance row (a zero balance), in the open transaction."""
    await uow.execute(insert(point_accounts).values(customer_id=customer_id))


async def open_accounts(uow: UnitOfWork, customer_ids: list[int]) -> None:
    """The new customers' balance rows (zero balances), in one statement of the open
    transaction (a bulk import's new customers)."""
    if customer_ids:
        await uow.execute(_OPEN_MANY, {"ids": customer_ids})


_OPEN_MANY = text("""
    INSERT INTO point_accounts (customer_id)
    SELECT unnest(CAST(:ids AS bigint[])) ORDER BY 1
""")


async def lock_accounts_after(
    uow: UnitOfWork, after_customer_id: int, last_customer_id: int, limit: int
) -> list[int]:
    """Lock the balance rows of the next `limit` customers above `after_customer_id` (up to
    `last_customer_id`) until the open transaction ends, in customer order as every ledger
    write takes them (so it cannot deadlock with them); their ids, in order. A balance write
    on one of them waits for the transaction; one under way is waited for, and a statement
    run after this sees what it committed."""
    params = {"after": after_customer_id, "last": last_customer_id, "limit": limit}
    return [int(cid) for cid in (await uow.execute(_LOCK_AFTER, params)).scalars()]


async def wait_for_balance_writers(uow: UnitOfWork, timeout_s: float | None = None) -> bool:
    """Wait until every transaction writing a balance row now (other than the caller's own)
    has ended; False if some still run after `timeout_s` (None: no limit). It takes no lock,
    so the balance writes that begin meanwhile go on; a change committed before the call is
    seen by every balance write that is still to come (a balance write runs at READ
    COMMITTED, as every unit of work does, and its badge trigger reads after its own write)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = None if timeout_s is None else started + timeout_s
    warn_at = started + _SLOW_WRITERS_S
    async with OneStatement(uow.engine) as db:  # each poll its own snapshot
        writers = list((await db.execute(_BALANCE_WRITERS)).scalar_one() or [])
        pause_s = 0.002
        while writers:
            writers = list((await db.execute(_STILL_RUNNING, {"vxids": writers})).scalars())
            if not writers:
                break
            now = loop.time()
            if deadline is not None and now >= deadline:
                return False
            if now >= warn_at:
                logger.warning(
                    "still waiting for %d transaction(s) writing balances (virtual ids %s) "
                    "after %.0f s",
                    len(writers),
                    ", ".join(writers),
                    now - started,
                )
                warn_at = now + _SLOW_WRITERS_S
            await asyncio.sleep(pause_s)
            pause_s = min(pause_s * 2, 0.05)
    return True


logger = logging.getLogger(__name__)
# A balance write normally takes milliseconds; one open this long is worth a line in the log.
_SLOW_WRITERS_S = 30.0


_LOCK_AFTER = text("""
    SELECT customer_id FROM point_accounts
     WHERE customer_id > :after AND customer_id <= :last
     ORDER BY customer_id LIMIT :limit
       FOR UPDATE
""")

# The transactions holding (or waiting for) the lock every INSERT and UPDATE of point_accounts
# takes until its transaction ends, by virtual transaction id (pg_locks shows the fast-path
# locks too).
_BALANCE_WRITERS = text("""
    SELECT array_agg(DISTINCT virtualtransaction) FROM pg_locks
     WHERE locktype = 'relation' AND mode = 'RowExclusiveLock'
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND relation = CAST('point_accounts' AS regclass)
       AND pid IS DISTINCT FROM pg_backend_pid()
""")

# Those of them still running: a transaction holds the lock on its own virtual id until it
# ends.
_STILL_RUNNING = text("""
    SELECT virtualxid FROM pg_locks
     WHERE locktype = 'virtualxid' AND virtualxid = ANY(CAST(:vxids AS text[]))
""")
